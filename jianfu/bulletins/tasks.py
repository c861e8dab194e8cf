"""The bulletin's background work: drafting a bulletin's content, and the scheduled draft after
each month (or quarter)."""

from django.conf import settings
from django.utils import translation
from django_tasks import task

from jianfu.core import clock, runtime


@task()
def generate(bulletin_id: int) -> str:
    """Build and freeze a bulletin's content (services.bulletin_generate), in the site's
    language: a task has no request to take one from."""
    from . import services

    with translation.override(settings.LANGUAGE_CODE):
        return services.bulletin_generate(bulletin_id)


@task()
def scheduled_draft() -> int | None:
    """Daily: once the period the schedule names has ended, draft its bulletin for every city
    office that has none yet (the first office account is the draft's author). Safe to run twice:
    a period that already has a bulletin is skipped."""
    from . import periods, services
    from .models import Bulletin, Kind

    kind = runtime.get("bulletins.schedule")
    start, end, label = periods.previous(kind, clock.today())
    with translation.override(settings.LANGUAGE_CODE):
        author = services.scheduled_author()
        if (
            author is None
            or Bulletin.objects.filter(unit=author.home_unit, period_start=start, period_end=end)
            .exclude(kind=Kind.SPECIAL)
            .exists()
        ):
            return None
        b = services.bulletin_create(
            by=author,
            kind=Kind.QUARTERLY if kind == "quarterly" else Kind.MONTHLY,
            start=start,
            end=end,
            label=label,
        )
        return b.pk
