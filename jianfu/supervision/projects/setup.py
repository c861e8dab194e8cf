"""What key projects register in the shared places (called from apps.py): permissions, the
navigation entry, the import spec, the health checks as signal rules (and their run after each
write), and the usual categories seeded after migrate."""

from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The usual categories (data: the office may add its own rows).
CATEGORIES = (
    ("rural", "乡村振兴"),
    ("industry", "产业项目"),
    ("infrastructure", "基础设施"),
    ("livelihood", "民生实事"),
    ("investment", "招商引资"),
    ("ecology", "生态环保"),
)


def seed_categories(**kwargs) -> None:
    from .models import ProjectCategory

    for order, (code, name) in enumerate(CATEGORIES, 1):
        ProjectCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})


def ready():
    """Register this part's permissions, navigation, cards and sources (called by apps.py)."""
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role
    from jianfu.signals import rules

    from . import health, project_import, tasks
    from .services import EDIT, MANAGE, VIEW

    permissions.register(
        {
            VIEW: _("查看重点项目"),
            MANAGE: _("登记和修改重点项目、招商引资签约，导入重点项目"),
            EDIT: _("填报本单位重点项目的开工、节点和资金"),
        },
        {
            Role.OFFICE: {VIEW, MANAGE, EDIT},
            Role.LEADER: {VIEW},
            Role.CONTACT: {VIEW, EDIT},
        },
        token={VIEW},
    )
    if not any(e.url_name == "project_list" for e in navigation.ENTRIES):
        navigation.register(
            Entry(
                _("重点项目"),
                "project_list",
                VIEW,
                "building",
                _("督查督办"),
                also=("project_",),
            ),
            before="account_list",
        )
    rules.RULES.update((r.code, r) for r in health.RULES)
    imports.register(project_import.SPEC)
    tasks.connect()
    from django.apps import apps

    post_migrate.connect(
        seed_categories,
        sender=apps.get_app_config("supervision"),
        dispatch_uid="supervision.projects.categories",
    )
