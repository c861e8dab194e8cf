"""Signals demo stage: once the registry's and the sample points' demo data are in (those stages
come first in the pipeline), run every rule once so the demo inbox is populated."""

from jianfu.demo.generator import DemoContext, register
from jianfu.signals import runner
from jianfu.signals.models import Signal, SignalStatus


def _count() -> dict[str, int]:
    return {"预警（待研判）": Signal.objects.filter(status=SignalStatus.OPEN).count()}


@register(count=_count, name="jianfu.signals.demo_data.signals")
def signals(ctx: DemoContext) -> dict[str, int]:
    # Every unit: the quota rules look at counties and departments, the truthfulness checks at
    # the sample points.
    report = runner.run(as_of=ctx.as_of)
    return {"预警（待研判）": report.summary()["raised"]}
