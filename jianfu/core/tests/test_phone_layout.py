"""Phone widths (375 px): nothing widens the page, and tap targets are at least 44 × 44 px.
The rules were checked in a browser at 375 px (bounding boxes of the header buttons, breadcrumb
and sort links, the page's scroll width); these tests keep the markup and the rules in place."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


def _css() -> str:
    with open(finders.find("css/jianfu.css"), encoding="utf-8") as f:
        return f.read()


def _touch_rules() -> str:
    blocks = re.findall(r"@media \(max-width: 991\.98px\) \{(.*?)\n\}", _css(), re.S)
    assert blocks
    return "\n".join(blocks)


def test_header_breadcrumb_and_sort_links_are_44px_on_touch_layouts():
    rules = _touch_rules()
    for selector in (".jf-user-toggle", ".jf-menu-toggle", ".breadcrumb a", "thead th a"):
        block = next((b for b in rules.split("}") if selector in b), "")
        assert "min-height: 2.75rem" in block and "min-width: 2.75rem" in block, selector


def test_a_hidden_label_in_a_wide_table_cannot_widen_the_page():
    assert re.search(r"\.table-responsive \{ position: relative; \}", _css())


@pytest.mark.django_db
def test_the_calendar_folds_its_source_column_into_the_name_on_a_phone(login):
    body = login("office").get(reverse("calendar"), {"year": 2025}).content.decode()
    assert '<th scope="col" class="d-none d-sm-table-cell">来源</th>' in body
    assert re.search(r'<div class="small text-muted d-sm-none">国务院办公厅安排</div>', body)
