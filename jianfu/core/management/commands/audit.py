from django.core.management.base import BaseCommand, CommandError

from jianfu.core import audit
from jianfu.core.models import AuditEntry
from jianfu.core.tasks import verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链并报告第一条被篡改或删除的记录；checkpoint 写出当前链头。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint"])

    def handle(self, *args, action, **options):
        if action == "checkpoint":
            seq, digest = audit.write_checkpoint()
            self.stdout.write(f"链头已写出：第 {seq} 条 {digest} → {audit.checkpoint_path()}")
            return
        result = verify_chain()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"审计链完整：共 {AuditEntry.objects.count()} 条记录，校验通过。"
                )
            )
            return
        raise CommandError(f"审计链异常：第 {result.first_bad_seq} 条 — {result.problem}")
