from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jianfu.core import backup


class Command(BaseCommand):
    help = "从 jianfu backup 的备份目录恢复到空数据库和文件目录，并校验审计链。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份目录（含 manifest.json）")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库或文件目录不是空的也覆盖"
        )

    def handle(self, *args, path, force=False, **options):
        try:
            finding = backup.restore(path, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if finding is not None:
            raise CommandError(
                _("已恢复，但审计链校验未通过：%(finding)s（审计密钥与备份时一致吗？）")
                % {"finding": finding}
            )
        self.stdout.write(
            self.style.SUCCESS(_("恢复完成，审计链校验通过：%(path)s") % {"path": path})
        )
