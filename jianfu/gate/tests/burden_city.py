"""Shared builders for the burden meter's tests: a dictionary, an admitted form of county A, a
request to its villages."""

import datetime as dt

from jianfu.core import clock
from jianfu.gate.burden import services


def dictionary(office):
    mk = services.field_create
    return {
        "households": mk(by=office, code="households", name="农户户数", type="number"),
        "docs": mk(
            by=office, code="docs_received", name="本月收到上级文件数", type="number",
            held_in="registry.documents",
        ),
        "road": mk(
            by=office, code="road", name="村道路况", type="choice", choices=["良好", "一般", "较差"]
        ),
        "clinic": mk(by=office, code="clinic", name="是否有卫生室", type="yesno"),
    }  # fmt: skip


def admitted_form(people, units, fields, *, name="村情月报", keys=None):
    keys = keys or list(fields)
    form = services.form_propose(
        by=people["contact_a"],
        sender_id=units["TA"].pk,
        name=name,
        field_ids=[fields[k].pk for k in keys],
    )
    return services.form_admit(by=people["office"], form=form)


def draft(people, form, *, title="村情月报（3月）", levels=("village",), frequency="once",
          first="2026-03", count=1):  # fmt: skip
    return services.request_draft(
        by=people["contact_a"],
        form=form,
        title=title,
        levels=list(levels),
        frequency=frequency,
        first_period=first,
        count=count,
        due_on=clock.today() + dt.timedelta(days=10),
    )
