"""Numbers too smooth on the demo's own data: its other planted cases (a copied month, round
numbers, outliers, copies between points) are other rules' business, and neither they nor its
clean points read as too smooth. (A module of its own: it builds its own city.)"""

import pytest

from jianfu.signals.rules import truth_smooth

from . import truth_factories as tf

PLANTED = {
    (0, "township", 0): "copy_forward",
    (0, "village", 0): "outliers",
    (0, "village", 1): "heaping",
}
demo = pytest.fixture(scope="module")(
    tf.module_fixture(lambda: tf.build(point_patterns=PLANTED, county_patterns={1: "copy_peer"}))
)


def test_the_demos_clean_points_and_its_other_cases_are_not_too_smooth(demo, db):
    """The demo's own cases are other rules' (a copied month, round numbers, outliers, copies
    between points): none of them, and no clean point, reads as too smooth."""
    assert not tf.evaluate(truth_smooth.RULE)
