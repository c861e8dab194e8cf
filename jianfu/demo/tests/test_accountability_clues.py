"""The demo's clue ledger: clues from every channel, a cluster of three near-duplicates, real-name
and anonymous informants sealed, and no signal raised from clues."""

import datetime as dt

import pytest

from jianfu.accountability.clues.models import Clue, ClueChannel
from jianfu.core import crypto
from jianfu.demo import generator

AS_OF = dt.date(2025, 9, 30)


@pytest.fixture
def demo(db):
    generator.populate("tiny", 11, AS_OF, username_prefix="demo-")


def test_the_demo_has_clues_of_every_channel_and_a_cluster_of_three(demo):
    channels = set(Clue.objects.values_list("channel", flat=True))
    assert channels >= {
        ClueChannel.PUBLIC,
        ClueChannel.HOTLINE,
        ClueChannel.PETITION,
        ClueChannel.SAMPLE_POINT,
        ClueChannel.SIGNAL,
        ClueChannel.TOUR,
    }
    root = Clue.objects.filter(cluster__isnull=True, duplicates__isnull=False).distinct().get()
    assert root.duplicates.count() == 2
    assert {root.channel, *root.duplicates.values_list("channel", flat=True)} == {
        "public",
        "hotline",
        "petition",
    }
    assert root.referred_at is not None
    real = Clue.objects.filter(real_name=True)
    assert real.exists() and Clue.objects.filter(informant_sealed__isnull=True).exists()
    for clue in real:
        assert crypto.unseal(clue.informant_sealed)["name"]
