from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jianfu.core import backup


class Command(BaseCommand):
    help = "备份数据库、上传的文件和审计链头到一个带时间戳的目录（含 manifest.json 校验清单）。"

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="备份放在此目录下（默认 JIANFU_BACKUP_DIR）")

    def handle(self, *args, to=None, **options):
        try:
            target = backup.make(to)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_("备份完成：%(path)s") % {"path": target}))
