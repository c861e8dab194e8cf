"""The rectification app's home-page cards: the office's verifications, reviews and unfinished
self-examination rounds; a contact's overdue and due-soon measures, problems without measures and
self-examinations owed; a leader's problem figures."""

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from .models import ProblemStatus
from .problems import queries
from .selfexam import queries as exam_queries


def _url(name: str, *args, **params) -> str:
    url = reverse(name, args=args)
    return url + "?" + urlencode(params) if params else url


def office(user, today) -> list[home.Card]:
    todo = queries.verify_todo(user, today)
    cards = []
    waited = (today - timezone.localdate(todo["first"])).days if todo["first"] else 0
    cards.append(
        home.Card(
            _("待核验整改"),
            _url("verify_queue"),
            count=todo["n"],
            note=_("最早的已等 %(n)s 天") % {"n": waited} if todo["n"] else "",
            tone="urgent" if waited > 7 else "warning",
            icon="patch-check",
        )
    )
    if "reviews" in todo:
        overdue = todo["reviews_overdue"]
        cards.append(
            home.Card(
                _("到期回头看"),
                _url("verify_queue") + "#reviews",
                count=todo["reviews"],
                note=(
                    _("其中 %(n)s 项已过回头看日期") % {"n": overdue}
                    if overdue
                    else _("%(d)s 天内到期") % {"d": queries.REVIEW_HORIZON_DAYS}
                ),
                tone="urgent" if overdue else "normal",
                icon="arrow-repeat",
            )
        )
    return cards


def rounds(user, today) -> list[home.Card]:
    found = exam_queries.open_rounds(user)
    pending = sum(r.total - r.submitted for r in found)
    past_deadline = any(r.deadline < today for r in found)
    if len(found) == 1:
        url = _url("round_detail", found[0].pk, status="pending")
    else:
        url = _url("round_list", status="open")
    return [
        home.Card(
            _("未结束的自查"),
            url,
            count=len(found),
            note=_("%(n)s 个单位尚未提交") % {"n": pending} if found else "",
            tone="warning" if past_deadline else "normal",
            icon="clipboard-check",
        )
    ]


def contact(user, today) -> list[home.Card]:
    unit = user.home_unit
    if unit is None:
        return []
    todo = queries.ledger_todo(user, unit, today)
    cards = [
        home.Card(
            _("整改措施已逾期"),
            _url("rect_ledger", unit.pk, status="overdue"),
            count=todo["overdue"],
            note=_("已过完成时限，尚未提交核验"),
            tone="urgent",
            icon="exclamation-octagon",
        ),
        home.Card(
            _("整改措施即将到期"),
            _url("rect_ledger", unit.pk, status="due_soon"),
            count=todo["due_soon"],
            note=_("%(d)s 天内到完成时限") % {"d": queries.DUE_SOON_DAYS},
            tone="warning",
            icon="hourglass-split",
        ),
        home.Card(
            _("问题尚未制定整改措施"),
            _url("rect_ledger", unit.pk) + "#pending",
            count=todo["without_measures"],
            tone="warning",
            icon="list-check",
        ),
    ]
    return cards


def exams(user, today) -> list[home.Card]:
    owed = exam_queries.exams_owed(user)
    first = owed["first"]
    url = _url("exam_answer", owed["only"]) if owed["only"] else _url("exam_home")
    return [
        home.Card(
            _("自查待提交"),
            url,
            count=owed["n"],
            note=_("截止 %(d)s") % {"d": first.isoformat()} if first else "",
            tone="urgent" if first and first < today else "warning",
            icon="pencil-square",
        )
    ]


def glance(user, today) -> list[home.Card]:
    f = queries.problem_figures(user, today)
    return [
        home.Card(
            _("问题整改"),
            _url("problem_list", status=ProblemStatus.OPEN),
            count=f["open"],
            note=_("整改中的问题"),
            tone="urgent" if f["overdue"] else "normal",
            parts=(
                home.Part(_("整改中"), f["open"], _url("problem_list", status=ProblemStatus.OPEN)),
                home.Part(
                    _("有措施逾期"),
                    f["overdue"],
                    _url("problem_list", overdue=1),
                    "urgent" if f["overdue"] else "normal",
                ),
                home.Part(
                    _("已销号"),
                    f["closed"],
                    _url("problem_list", status=ProblemStatus.CLOSED),
                    "calm",
                ),
            ),
            icon="list-check",
        )
    ]


def register() -> None:
    home.register(
        "rectification.verify",
        office,
        roles=[Role.OFFICE],
        perms=["rectification.measure:verify"],
        order=20,
    )
    home.register(
        "rectification.rounds",
        rounds,
        roles=[Role.OFFICE],
        perms=["rectification.list:manage"],
        order=50,
    )
    home.register(
        "rectification.ledger",
        contact,
        roles=[Role.CONTACT],
        perms=["rectification.ledger:edit"],
        order=10,
    )
    home.register(
        "rectification.exams",
        exams,
        roles=[Role.CONTACT],
        perms=["rectification.exam:answer"],
        order=20,
    )
    home.register(
        "rectification.glance",
        glance,
        section=home.GLANCE,
        roles=[Role.LEADER],
        perms=["rectification.problem:view"],
        order=30,
    )
