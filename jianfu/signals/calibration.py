"""What the detectors bench measured of each rule on planted cities it was not tuned on
(bench/detectors.py --write keeps it in calibration.json): the share of clean units or points the
rule flagged in a year — its false-alarm rate — and the share of planted cases it found. The rules
page shows it beside each rule, so the office knows how far to trust a flag before triage."""

import functools
import json
from pathlib import Path

PATH = Path(__file__).with_name("calibration.json")


@functools.cache
def measured() -> dict:
    """The bench's last figures; empty when it was never written (or the file is unreadable)."""
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def about() -> dict | None:
    """When it was measured and on how many planted cities (seeds over every size)."""
    data = measured()
    sizes = data.get("sizes")
    if not data.get("measured_on") or not isinstance(sizes, dict):
        return None
    return {"date": data["measured_on"], "runs": sum(len(s) for s in sizes.values())}


def of(code: str) -> dict | None:
    rules = measured().get("rules")
    entry = rules.get(code) if isinstance(rules, dict) else None
    return entry if isinstance(entry, dict) else None
