"""Information reporting's registrations (called by the app's ready())."""

from django.utils.translation import gettext_lazy as _


def ready():
    from django.db.models.signals import post_migrate

    from jianfu import notify
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from .. import agenda
    from . import agenda_lines, bulletin, home, rule, services, tasks

    agenda.register(agenda_lines.SOURCE)

    permissions.register(
        {
            services.VIEW: _("查看信息报送"),
            services.MANAGE: _("管理信息报送（发布要求、指定信息员、采用、批示、认定虚假）"),
            services.SUBMIT: _("为本单位报送信息"),
        },
        {
            Role.OFFICE: {services.VIEW, services.MANAGE},
            Role.LEADER: {services.VIEW},
            Role.CONTACT: {services.VIEW, services.SUBMIT},
        },
    )
    if not any(e.url_name == "reporting_submission_list" for e in navigation.ENTRIES):
        section = _("信息报送")
        navigation.register(
            Entry(
                _("报送信息"),
                "reporting_submission_list",
                services.VIEW,
                "megaphone",
                section,
                also=("reporting_submission_", "reporting_file"),
            ),
            Entry(
                _("本单位报送"),
                "reporting_todo",
                services.SUBMIT,
                "pencil-square",
                section,
                also=("reporting_submit",),
            ),
            Entry(
                _("报送要求"),
                "reporting_requirement_list",
                services.VIEW,
                "calendar-check",
                section,
                also=("reporting_requirement_", "reporting_contact_", "reporting_tier"),
            ),
            Entry(_("报送排名"), "reporting_ranking", services.VIEW, "trophy", section),
            before="account_list",
        )
    home.register()
    bulletin.register()
    notify.register(notify.Kind("supervision.reporting_reminder", _("信息报送催报")))
    tasks.connect()
    rule.register()
    post_migrate.connect(_tiers, dispatch_uid="supervision.reporting.tiers")


def _tiers(sender, **kwargs):
    if getattr(sender, "label", "") != "supervision":
        return
    from .services import ensure_default_tiers

    ensure_default_tiers()
