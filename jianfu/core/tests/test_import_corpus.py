"""The bad-input corpus (jianfu/testing/import_corpus.py) through the one import runner, for every
registered import: messy files import; bad files are refused whole, with a Chinese message that
names the row and the column where there is one, and nothing of them stays — no row in any table,
no file under MEDIA_ROOT; files LibreOffice wrote (.xlsx, .xls, .ods) import or are refused with
a clear message."""

import re

import pytest
from django.apps import apps

from jianfu.core import clock, excel, imports
from jianfu.core.imports import SPECS
from jianfu.testing import import_corpus as corpus

pytestmark = pytest.mark.django_db

CASES = [(kind, case.name) for kind in corpus.KINDS for case in corpus.all_cases(kind)]
CJK = re.compile("[\u4e00-\u9fff]")


def test_every_registered_import_has_corpus_cases_and_office_files():
    """A new import registered without its corpus entry (and its LibreOffice files: run
    `python -m jianfu.testing.corpus.make`) fails here."""
    assert set(SPECS) == set(corpus.KINDS)
    for kind in SPECS:
        names = {c.name for c in corpus.all_cases(kind)}
        assert {"office_xlsx", "office_xls", "missing_required", "xlsx_bomb"} <= names, kind


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def attempt(kind: str, filename: str, data: bytes, people, ctx):
    k = corpus.KINDS[kind]
    with clock.frozen(k.today):
        return imports.run(
            kind,
            by=people[k.by],
            filename=filename,
            data=data,
            unit=ctx.get("unit"),
            options=ctx.get("options"),
        )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_SHEET_XML_BYTES = (corpus.BOMB_MB // 2) * 1024 * 1024
    return tmp_path


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_corpus(kind, name, people, units, media):
    case = next(c for c in corpus.all_cases(kind) if c.name == name)
    k = corpus.KINDS[kind]
    ctx = k.setup(people, units) if k.setup else {}
    if case.good:
        record = attempt(kind, case.filename, case.data, people, ctx)
        assert record.created + record.updated == case.n
        return
    before, files = _counts(), _files(media)
    with pytest.raises(excel.ImportFailed) as refused:
        attempt(kind, case.filename, case.data, people, ctx)
    errors = refused.value.errors
    text = " ".join(str(e) for e in errors)
    assert errors and all(CJK.search(str(e.message)) for e in errors), text
    if case.row is not None:
        assert any(e.row == case.row and e.column and case.column in e.column for e in errors), text
    assert case.words in text
    after = _counts()
    # the setup's own rows (a list, a plan, a tour) are there before; nothing else was added
    assert {k: v for k, v in after.items() if v != before[k]} == {}, text
    assert _files(media) == files


JOB_KINDS = [kind for kind, spec in SPECS.items() if not spec.inline]


@pytest.mark.parametrize("kind", JOB_KINDS)
def test_a_bad_file_started_as_a_job_fails_whole_and_leaves_no_file(kind, people, units, media):
    """The page's and the API's way in: the job keeps the upload while it runs, and a refused
    file ends the job with its problems listed and the upload removed."""
    from jianfu.core.imports import background

    case = next(c for c in corpus.cases(kind) if c.name == "missing_required")
    k = corpus.KINDS[kind]
    before = _counts()
    with clock.frozen(k.today):
        job = background.start(kind, by=people[k.by], filename=case.filename, data=case.data)
    assert job.status == "failed"
    assert any(e["row"] == case.row and case.column in e["column"] for e in job.errors), job.errors
    after = _counts()
    changed = {m: after[m] - before[m] for m in after if after[m] != before[m]}
    assert changed == {"core.ImportJob": 1}  # the failed job itself, with its problems
    assert _files(media) == set()
