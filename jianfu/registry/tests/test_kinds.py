"""The one table of registry kinds: each quota category has its kind, and a kind the lists'
grassroots filter could not answer is refused where it is declared."""

import dataclasses

import pytest

from jianfu.registry import kinds
from jianfu.registry.models import Category


def test_every_category_has_one_kind_found_by_its_code_slug_and_model():
    assert sorted(k.category for k in kinds.KINDS.values()) == sorted(Category.values)
    for k in kinds.KINDS.values():
        assert kinds.by_category(k.category) is k
        assert kinds.by_slug(k.slug) is k
        assert kinds.by_model(k.model) is k


def test_a_kind_that_cannot_say_how_it_reaches_the_grassroots_is_refused():
    with pytest.raises(ValueError, match="grassroots_field or co_field"):
        dataclasses.replace(kinds.INSPECTION, code="survey", co_field=None, grassroots_field=None)
