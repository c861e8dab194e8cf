"""Crash safety with real processes (jianfu/testing/crash.py): the task worker, on the database
queue, is killed with SIGKILL in the middle of an import's transaction, of a bulletin's generation
and of the nightly rules run. Nothing half-written is left, the orphan sweep leaves no stray file,
the interrupted task is run again by the next worker (core/recovery.py), and it finishes with
the result an uninterrupted run has."""

import pytest

from jianfu.testing import crash


@pytest.mark.parametrize("scenario", list(crash.SCENARIOS))
def test_a_worker_killed_midway_leaves_nothing_half_done_and_the_work_runs_again(
    granian_server, scenario
):
    place = crash.Place(granian_server.env, granian_server.var_dir)
    assert crash.SCENARIOS[scenario](place) == []
