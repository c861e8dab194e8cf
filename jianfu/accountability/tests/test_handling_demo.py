"""The handling demo stage: every disposition kind, one proposal awaiting approval, clocks in every
colour, the overdue one raising acc_clock_overdue on a planted county only, cases with every
outcome, problems in rectification, an adjustment whose month is running."""

import datetime as dt

from jianfu.accountability.handling import queries
from jianfu.accountability.handling.models import Disposition, DispositionKind, Outcome, OutcomeKind
from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator
from jianfu.demo.registry import choose_planted
from jianfu.rectification.models import Problem
from jianfu.signals import runner
from jianfu.signals.models import Signal

AS_OF = dt.date(2025, 9, 30)


def test_the_demo_handling(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    root = Unit.objects.get(code="410900")
    assert set(Disposition.objects.values_list("kind", flat=True)) == set(DispositionKind.values)
    assert Disposition.objects.filter(status="proposed").count() == 1
    assert set(Outcome.objects.values_list("kind", flat=True)) == set(OutcomeKind.values)
    assert Problem.objects.filter(source="discipline", status="open").count() == 2
    me = User.objects.get(username="demo-discipline")
    colours = {c.colour for c in queries.running_clocks(me, AS_OF)}
    assert colours == {"red", "yellow", "green"}
    assert any(
        c.kind == "adjustment" and c.colour != "red" for c in queries.running_clocks(me, AS_OF)
    )
    with clock.frozen(AS_OF):
        runner.run(as_of=AS_OF, rules=["acc_clock_overdue"])
    counties = list(Unit.objects.filter(kind="county", path__startswith=root.path).order_by("path"))
    planted = choose_planted(counties, [])
    signals = Signal.objects.filter(rule="acc_clock_overdue")
    assert set(signals.values_list("unit_id", flat=True)) == {root.pk}
    (signal,) = signals.filter(subject__startswith="pass_on:")
    # On the city (the commission's duty), not on the county the clue is about.
    assert signal.unit_id == root.pk and signal.subject.startswith("pass_on:")
    assert planted["pacing"].pk != root.pk
