from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "jianfu.rectification"
    label = "rectification"
    verbose_name = _("问题整改")

    def ready(self):
        from jianfu.core import permissions
        from jianfu.core.permissions import Role

        from . import exams, services  # noqa: F401  (audit codes)

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
        )
