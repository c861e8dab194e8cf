"""Shared builders of the typical-case tests: a concluded case of county A's education bureau
with two people's outcomes, and a second commission account."""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from jianfu.accountability.clues.models import Clue
from jianfu.accountability.handling.models import Case, CaseStatus, Outcome
from jianfu.core.models import RoleGrant, Unit, User

FINDINGS = (
    "2026年3月，该局副局长王建国要求全县学校每周上报防溺水工作照片和签到表，"
    "联系电话13812345678，身份证号码410902198001011234。"
)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_case(discipline, *, unit_code: str = "TA", title: str = "甲县某局过度留痕问题") -> Case:
    unit = Unit.objects.get(code=unit_code)
    clue = Clue.objects.create(
        channel="hotline",
        received_at=at(dt.date(2026, 2, 1)),
        subject_unit=unit,
        category="traces",
        text="要求学校每周上报照片。",
    )
    case = Case.objects.create(
        clue=clue,
        unit=unit,
        title=title,
        status=CaseStatus.CONCLUDED,
        opened_at=at(dt.date(2026, 2, 10)),
        findings=FINDINGS,
        concluded_at=at(dt.date(2026, 4, 1)),
        opened_by=discipline,
    )
    Outcome.objects.create(
        case=case, person="王建国", position="教育局副局长", kind="admonishment",
        decided_at=at(dt.date(2026, 4, 1)),
    )  # fmt: skip
    Outcome.objects.create(
        case=case, person="李丽", position="教育局办公室主任", kind="criticism",
        decided_at=at(dt.date(2026, 4, 1)),
    )  # fmt: skip
    return case


def second_commissioner(username: str = "discipline2") -> User:
    user = User.objects.create(
        username=username,
        password=make_password("x"),
        full_name="纪委第二人",
        home_unit=Unit.objects.get(code="T"),
    )
    RoleGrant.objects.create(user=user, role="discipline")
    return user


CLEAN_BODY = (
    "一、基本情况\n2026年3月，甲县教育局副局长要求全县学校每周上报防溺水工作照片和签到表，"
    "增加基层负担。\n二、处理情况\n甲县教育局副局长受到诫勉。"
)
