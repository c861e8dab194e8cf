"""A plausible month of a sample point's burden, as the phone's final POST sends it: the month-end
burst's bench (bench/submit_spike.py) and the two-machine test submit it."""

import random


def plausible_answers(rng: random.Random) -> dict:
    docs, meetings, inspections = rng.randint(8, 60), rng.randint(2, 20), rng.randint(0, 8)
    return {
        "docs_total": docs,
        "docs_city": rng.randint(0, docs // 4),
        "docs_county": rng.randint(0, docs // 2),
        "docs_township": rng.randint(0, docs // 4),
        "docs_senders": "",
        "meetings_total": meetings,
        "meetings_hours": round(meetings * rng.uniform(0.5, 2.5), 1),
        "meetings_video": rng.randint(0, meetings),
        "meetings_county": rng.randint(0, meetings),
        "inspections_total": inspections,
        "inspection_days": rng.randint(0, inspections),
        "inspections_remote": rng.randint(0, inspections),
        "inspections_county": rng.randint(0, inspections),
        "forms_filled": rng.randint(0, 40),
        "trace_demands": rng.randint(0, 20),
        "app_checkins": rng.randint(0, 12),
        "hours_burden_week": rng.randint(5, 30),
        "hours_service_week": rng.randint(10, 40),
        "burden_score": rng.randint(1, 5),
        "problems": "",
        "suggestions": "",
    }
