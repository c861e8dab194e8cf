from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "jianfu.rectification"
    label = "rectification"
    verbose_name = _("问题整改")

    def ready(self):
        from . import bulletin as _bulletin

        _bulletin.register()
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        # Their audit codes, described when the module is imported.
        from .problems import evidence_files as _evidence_files  # noqa: F401
        from .problems import ledger_export as _ledger_export  # noqa: F401
        from .problems import ledger_import as _ledger_import  # noqa: F401
        from .problems import measures as _measures  # noqa: F401
        from .problems import services as _problems  # noqa: F401
        from .selfexam import services as _selfexam  # noqa: F401

        read = {"rectification.list:view", "rectification.problem:view"}
        permissions.register(
            {
                "rectification.list:view": _("查看负面清单和自查"),
                "rectification.list:manage": _("维护负面清单、发起和结束自查"),
                "rectification.exam:answer": _("填报本单位自查结果"),
                "rectification.problem:view": _("查看问题清单和整改台账"),
                "rectification.problem:create": _("登记问题"),
                "rectification.ledger:edit": _("制定整改措施、报告进展、提交核验"),
                "rectification.measure:verify": _("核验整改（通过或退回）"),
                "rectification.measure:review": _("整改回头看"),
            },
            {
                Role.OFFICE: read
                | {
                    "rectification.list:manage",
                    "rectification.problem:create",
                    "rectification.ledger:edit",
                    "rectification.measure:verify",
                    "rectification.measure:review",
                },
                Role.LEADER: read,
                Role.DISCIPLINE: read | {"rectification.problem:create"},
                Role.CONTACT: read
                | {
                    "rectification.exam:answer",
                    "rectification.problem:create",
                    "rectification.ledger:edit",
                },
            },
            # An OA system may show a unit's open problems and due dates; progress and
            # submission are signed by a person in the browser, so no write code for tokens.
            token={"rectification.problem:view"},
        )
        self._navigation()
        from jianfu.core import imports

        from . import dashboard, home
        from .problems import ledger_import
        from .selfexam import list_import

        home.register()
        dashboard.register()
        from jianfu import notify

        from . import tasks

        notify.register(notify.Kind("rectification.measure_overdue", _("整改措施逾期提醒")))
        tasks.connect()
        imports.register(ledger_import.SPEC)
        imports.register(list_import.SPEC)

    def _navigation(self):
        from jianfu.core import navigation
        from jianfu.core.navigation import Entry

        if any(e.url_name == "rect_overview" for e in navigation.ENTRIES):
            return
        section = _("问题整改")
        navigation.register(
            Entry(
                _("整改台账"),
                "rect_overview",
                "rectification.problem:view",
                "list-check",
                section,
                also=("rect_", "problem_", "measure_", "attachment_"),
            ),
            Entry(
                _("待核验"),
                "verify_queue",
                "rectification.measure:verify",
                "patch-check",
                section,
            ),
            Entry(
                _("负面清单"),
                "negative_list_list",
                "rectification.list:view",
                "journal-x",
                section,
                also=("negative_",),
            ),
            Entry(
                _("自查"),
                "round_list",
                "rectification.list:manage",
                "clipboard-check",
                section,
                also=("round_",),
            ),
            Entry(
                _("本单位自查"),
                "exam_home",
                "rectification.exam:answer",
                "pencil-square",
                section,
                also=("exam_",),
            ),
            before="account_list",
        )
