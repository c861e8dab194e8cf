"""What the gate's burden part registers in the shared places (called by apps.py)."""

from django.utils.translation import gettext_lazy as _


def ready():
    """Register this part's permissions, navigation, cards, imports, notices, what it holds, the
    review panel and the bulletin section."""
    from jianfu import notify
    from jianfu.core import imports, navigation, permissions
    from jianfu.core.navigation import Entry
    from jianfu.core.permissions import Role
    from jianfu.gate import held, review

    from . import bulletin, dictionary_import, home, panel
    from .services import ADMIT, FILL, LOAD, NOTICE_KIND, PROPOSE, SEND, VIEW

    permissions.register(
        {
            VIEW: _("查看报表目录和数据填报任务"),
            PROPOSE: _("申请报表准入"),
            ADMIT: _("报表准入（准入、撤销、维护数据项字典）"),
            SEND: _("向基层下发数据填报任务"),
            FILL: _("为本单位填报数据"),
            LOAD: _("查看基层负担（本单位逐月负担）"),
        },
        {
            Role.OFFICE: {VIEW, PROPOSE, ADMIT, SEND, LOAD},
            Role.LEADER: {VIEW, LOAD},
            Role.CONTACT: {VIEW, PROPOSE, SEND, FILL, LOAD},
            Role.REPORTER: {FILL, LOAD},
        },
    )
    if not any(e.url_name == "burden_catalogue" for e in navigation.ENTRIES):
        section = _("发文会议督查关口")
        navigation.register(
            Entry(
                _("报表目录"),
                "burden_catalogue",
                VIEW,
                "table",
                section,
                also=("burden_form_", "burden_dictionary"),
            ),
            Entry(
                _("数据填报任务"),
                "burden_request_list",
                VIEW,
                "send",
                section,
                also=("burden_request_",),
            ),
            Entry(
                _("待填报表"),
                "burden_todo",
                FILL,
                "pencil-square",
                section,
                also=("burden_return_",),
            ),
            Entry(_("基层负担"), "burden_load", LOAD, "bar-chart", section),
            Entry(_("向基层要数据排名"), "burden_senders", VIEW, "sort-down", section),
            before="account_list",
        )
    home.register()
    bulletin.register()
    imports.register(dictionary_import.SPEC)
    notify.register(notify.Kind(NOTICE_KIND, _("数据填报任务")))
    held.provide("gate.burden", panel.held_entries)
    review.register(
        review.Panel("held", _("平台已掌握的材料"), 50, "gate/burden/_held_panel.html", panel.build)
    )
