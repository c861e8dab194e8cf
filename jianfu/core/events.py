"""How intake tells later stages that new data came in, without importing them.

An intake app calls `data_changed(kind, unit_ids=…, record=…)` inside its transaction; stages
further down the pipeline (the rules) subscribe in their AppConfig.ready(). Subscribers are
django-tasks tasks, enqueued when the transaction commits, so nothing heavy runs in the request.
"""

from django.db import transaction

_subscribers: dict[str, list] = {}


def subscribe(kind: str, task) -> None:
    """kind: "registry", "monitoring", …; task: a django-tasks Task taking (import_id, unit_ids)."""
    if task not in _subscribers.setdefault(kind, []):
        _subscribers[kind].append(task)


def data_changed(kind: str, *, unit_ids=(), import_id: int | None = None) -> None:
    ids = sorted(set(unit_ids))
    for task in _subscribers.get(kind, []):
        transaction.on_commit(lambda t=task: t.enqueue(import_id=import_id, unit_ids=ids))
