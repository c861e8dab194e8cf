"""Test helpers for proposals through the gate: a filed plan, a draft of each category, a real
.docx and a small handwritten PDF with a text layer."""

import datetime as dt
import io

import pytest
from django.utils import translation

from jianfu.gate.plans.models import AnnualPlan, PlanItem, PlanStatus
from jianfu.gate.proposals import services

YEAR = 2026
DAY = dt.date(2026, 3, 2)


def filed_plan(unit, year: int = YEAR, **item) -> PlanItem:
    plan, _ = AnnualPlan.objects.get_or_create(
        unit=unit, year=year, defaults={"status": PlanStatus.FILED}
    )
    return PlanItem.objects.create(plan=plan, **{"category": "document", "count": 5, **item})


def document_data(**kw) -> dict:
    return {
        "category": "document",
        "title": "关于做好春季安全生产工作的通知",
        "document_kind": "red_header",
        "draft_text": "各乡镇：为做好春季安全生产工作，现就有关事项通知如下。",
        "addressed_levels": ["township"],
        "plan_item_id": None,
        "out_of_plan_reason": "",
        **kw,
    }


def meeting_data(**kw) -> dict:
    return {
        "category": "meeting",
        "title": "全县春耕生产推进会",
        "meeting_level": "county",
        "meeting_form": "in_person",
        "planned_on": dt.date(2026, 3, 18),
        "length_minutes": 90,
        "attend_levels": ["township"],
        "grassroots_required": False,
        "attendees_expected": 0,
        "plan_item_id": None,
        "out_of_plan_reason": "春耕时节紧迫",
        **kw,
    }


def inspection_data(**kw) -> dict:
    return {
        "category": "inspection",
        "title": "安全生产专项督查",
        "inspection_kind": "supervision",
        "method": "on_site",
        "starts_on": dt.date(2026, 4, 1),
        "ends_on": dt.date(2026, 4, 3),
        "materials_demanded": "",
        "forms_demanded": 0,
        "plan_item_id": None,
        "out_of_plan_reason": "上级部署",
        **kw,
    }


def draft(by, data=None, **kw):
    return services.proposal_save(by=by, data=data or document_data(), **kw)


def docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    for para in text.split("\n"):
        d.add_paragraph(para)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF written by hand (no generator needed) whose text layer reads `text`
    (ASCII: the standard Helvetica font)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
CORRUPT_PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog /Pages 9 0 R >>\n%%EOF garbage \x00\x01"


@pytest.fixture(autouse=True)
def chinese():
    """The sentences asserted are the Chinese ones, whatever language an earlier test left."""
    with translation.override("zh-hans"):
        yield
