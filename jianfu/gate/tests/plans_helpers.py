"""Shared helpers of the plans' tests: a county's plan with documents, meetings and inspections."""

import datetime as dt

from jianfu.gate.plans import services

YEAR = 2026
TODAY = dt.date(YEAR, 6, 15)


def doc(count=10, kind="red_header"):
    return {"category": "document", "count": count, "document_kind": kind}


def meeting(count=4):
    return {
        "category": "meeting",
        "count": count,
        "meeting_kind": "work",
        "meeting_level": "county",
    }


def inspection(title, targets, months, kind="check"):
    return {
        "category": "inspection",
        "title": title,
        "inspection_kind": kind,
        "target_ids": [u.pk for u in targets],
        "months": months,
    }


def plan_with_items(by, unit, items, year=YEAR):
    plan = services.plan_draft(by=by, unit=unit, year=year)
    for fields in items:
        services.item_save(by=by, plan=plan, fields=fields)
    return plan


def filed_plan(people, unit, items, year=YEAR, contact="contact_a"):
    plan = plan_with_items(people[contact], unit, items, year)
    services.plan_submit(by=people[contact], plan=plan)
    return services.plan_file(by=people["office"], plan=plan)
