"""Background jobs of the registries (django-tasks): thin wrappers over services."""

from django_tasks import task

from . import services


@task()
def recompute_counted_task() -> int:
    """After the office changed the counting rules: re-derive `counted` on every record and
    rebuild the monthly rollup."""
    return services.recompute_counted()
