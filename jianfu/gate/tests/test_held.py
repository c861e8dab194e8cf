"""What the platform already holds names a page a reader can open, and is found in a demand."""

import pytest
from django.urls import reverse

from jianfu.gate import held

# matches() also reads what the catalogue's returned forms hold (the burden part's provider).
pytestmark = pytest.mark.django_db


def test_every_entry_names_a_page_that_exists():
    for e in held.HELD.values():
        if e.url_name:
            assert reverse(e.url_name)


def test_a_demand_for_the_document_registry_is_recognised():
    found = held.matches("请报送本年度发文清单及会议台账")
    codes = [e.code for e in found]
    assert codes == ["registry.documents", "registry.meetings"]
    assert held.matches("请报送本单位防汛物资储备情况") == []
    assert held.matches("") == []
