"""First start of a production install: the root unit and the three administrators (三员), each
with a random password that must be changed at first login. No default account, no shared
password: the demo's accounts exist only in the demo."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jianfu.core import audit, clock
from jianfu.core.models import RoleGrant, Unit, UnitKind, User
from jianfu.core.permissions import Role

# Names an attacker tries first (等保 8.1.4.2 b: no default account names).
GUESSABLE = {"admin", "administrator", "root", "superuser", "system", "guest", "test", "user"}


class Command(BaseCommand):
    help = "初始化生产环境：建立根单位和三员账户（系统管理员、安全管理员、审计管理员）。"

    def add_arguments(self, parser):
        parser.add_argument("--unit-code", required=True)
        parser.add_argument("--unit-name", required=True)
        parser.add_argument("--kind", default=UnitKind.CITY, choices=UnitKind.values)
        parser.add_argument("--sysadmin", required=True, help="系统管理员用户名")
        parser.add_argument("--secadmin", required=True, help="安全管理员用户名")
        parser.add_argument("--auditor", required=True, help="审计管理员用户名")

    @transaction.atomic
    def handle(self, *args, **o):
        names = [o["sysadmin"], o["secadmin"], o["auditor"]]
        if len({n.lower() for n in names}) != 3:
            raise CommandError("三员须是三个不同的账户。")
        if guessable := [n for n in names if n.strip().lower() in GUESSABLE]:
            raise CommandError(
                f"用户名“{guessable[0]}”容易被猜到（默认账户名），请为三员另取用户名。"
            )
        if Unit.objects.exists() or User.objects.exists():
            raise CommandError("数据库中已有单位或账户，init 只用于全新安装。")
        root = Unit.objects.add_root(
            {"code": o["unit_code"], "name": o["unit_name"], "kind": o["kind"]}
        )
        audit.record(
            "jianfu.core.unit.created",
            obj=root,
            changes={"code": [None, root.code], "name": [None, root.name]},
        )
        for username, role in zip(names, [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR], strict=True):
            password = "Jf-" + secrets.token_urlsafe(10) + "9a"
            user = User(
                username=username,
                home_unit=root,
                must_change_password=True,
                password_changed_at=clock.now(),
            )
            user.set_password(password)
            user.save()
            RoleGrant.objects.create(user=user, role=role)
            audit.record(
                "jianfu.core.account.created", obj=user, changes={"username": [None, username]}
            )
            audit.record("jianfu.core.role.granted", obj=user, changes={"roles": [[], [role]]})
            self.stdout.write(
                f"{Role(role).label}: {username}  初始密码: {password}  （首次登录须修改）"
            )
