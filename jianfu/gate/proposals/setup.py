"""What the gate's proposals part registers in the shared places (called by apps.py):
permissions, the audit sentences and runtime settings (on import of services and config), the
kinds of message, the review panels of its own, navigation, home cards, the bulletin section and
the signal rules."""

from django.utils.translation import gettext_lazy as _

VIEW = "gate.proposal:view"
SUBMIT = "gate.proposal:submit"
REVIEW = "gate.proposal:review"


def ready():
    """Register this part's permissions, navigation, cards, sections, panels and rules."""
    from jianfu import notify
    from jianfu.core import navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role

    from . import bulletin, home, panels, rules
    from . import config as _config  # noqa: F401  (runtime settings)
    from . import services as _services  # noqa: F401  (audit sentences)

    permissions.register(
        {
            VIEW: _("查看发文、会议、督查检查考核审核申请"),
            SUBMIT: _("起草、提交发文、会议、督查检查考核审核申请"),
            REVIEW: _("审核发文、会议、督查检查考核申请，确定纳入关口管理的单位"),
        },
        {
            Role.OFFICE: {VIEW, REVIEW},
            Role.LEADER: {VIEW},
            Role.DISCIPLINE: {VIEW},
            Role.CONTACT: {VIEW, SUBMIT},
        },
    )
    notify.register(
        notify.Kind("gate.proposal_approved", _("关口审核申请已同意")),
        notify.Kind("gate.proposal_returned", _("关口审核申请被退回")),
    )
    panels.register()
    home.register()
    bulletin.register()
    rules.register()
    if any(e.url_name == "gate_proposal_list" for e in navigation.ENTRIES):
        return
    section = _("发文会议督查关口")
    navigation.register(
        Entry(
            _("审核申请"),
            "gate_proposal_list",
            VIEW,
            "file-earmark-check",
            section,
            also=("gate_proposal_",),
        ),
        Entry(
            _("待审核申请"),
            "gate_review_queue",
            REVIEW,
            "shield-check",
            section,
            also=("gate_review_", "gate_proposal_figures"),
        ),
        Entry(_("纳入关口管理的单位"), "gate_enrolment_list", REVIEW, "diagram-3", section),
        before="account_list",
    )
