"""The rates bench/detectors.py measured (signals/calibration.json), which the rules page shows as
each rule's false-alarm rate: the file must name rules that exist and hold percentages."""

import json
from pathlib import Path

from jianfu.signals.rules import RULES

CALIBRATION = Path(__file__).resolve().parent.parent / "calibration.json"


def test_calibration_names_existing_rules_with_percentages():
    data = json.loads(CALIBRATION.read_text())
    assert data["sizes"], "the sizes and seeds it was measured on"
    for code, entry in data["rules"].items():
        assert code in RULES, f"{code} is no rule (stale calibration: rerun bench/detectors.py)"
        assert 0 <= entry["false_alarm_pct"] <= 100
        assert entry["clean_tested"] > 0
        if "recall_pct" in entry:
            assert 0 <= entry["recall_pct"] <= 100
