"""The rules page says every rule in a sentence with the thresholds in force and the false-alarm
rate the detectors bench measured; a signal's page sets a statistical finding against chance."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.signals import calibration, runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import RULES, base

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(tmp_path, monkeypatch):
    path = tmp_path / "calibration.json"
    path.write_text(
        json.dumps(
            {
                "measured_on": "2026-12-04",
                "sizes": {"city": list(range(1, 11)), "province": [1, 2]},
                "rules": {
                    "quota_rising": {
                        "false_alarm_pct": 1.25,
                        "clean_tested": 640,
                        "recall_pct": 95.0,
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(calibration, "PATH", path)
    calibration.measured.cache_clear()
    yield
    calibration.measured.cache_clear()


def test_the_rules_page_lists_every_rule_with_its_sentence_and_measured_rates(login, measured):
    response = login("office").get(reverse("signal_rules"))
    assert response.status_code == 200
    page = response.content.decode()
    for code, rule in RULES.items():
        assert f'id="rule-{code}"' in page
        assert str(rule.label) in page
    row = page[page.index('id="rule-quota_rising"') :]
    row = row[: row.index("</tr>")]
    assert "1.3%" in row and "95%" in row
    assert "12 个随机样本" in page


def test_a_rule_the_bench_never_measured_shows_no_rate(login, tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "PATH", tmp_path / "absent.json")
    calibration.measured.cache_clear()
    try:
        page = login("office").get(reverse("signal_rules")).content.decode()
    finally:
        calibration.measured.cache_clear()
    row = page[page.index('id="rule-quota_pacing"') :]
    cells = row[: row.index("</tr>")].split("<td")[-2:]
    assert all("%" not in cell and "—" in cell for cell in cells)


@pytest.mark.parametrize("role,status", [("office", 200), ("contact_a", 200), ("sysadmin", 403)])
def test_the_rules_page_is_for_those_who_read_signals(role, status, login):
    assert login(role).get(reverse("signal_rules")).status_code == status


def test_a_signal_page_sets_the_unit_against_chance(units, login):
    ta = units["TA"]
    f.quota(ta, 2025, "document", 10)
    f.documents(ta, 2025, f.flat(4, 6))
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run(rules=["quota_pacing"])
    signal = Signal.objects.get(rule="quota_pacing", unit=ta)
    base.TESTS["test_only"] = "仅供测试的检验说明。"
    try:
        signal.evidence["against_chance"] = base.chance(
            "test_only", 17, 10.4, 0.004, tested=62, q=0.03, support=27
        )
        signal.save(update_fields=["evidence"])
        page = login("office").get(reverse("signal_detail", args=[signal.pk])).content.decode()
    finally:
        del base.TESTS["test_only"]
    chance = page[page.index('id="signal-chance"') :]
    assert "仅供测试的检验说明。" in chance
    for text in ("17 件", "10.4 件", "0.004", "0.030", "62", "27"):
        assert text in chance, text
