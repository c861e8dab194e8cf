"""Writes on the clue ledger. `clue_create` is the one door for every channel (the public page, the
hotline and petition imports, sample-point reports, escalated signals, inspection tours): it
checks the fields, seals the informant, clusters a near-duplicate with the open clue it repeats,
stores the attachments and writes one audit entry. Each write is one transaction ending with its
audit entry; a refusal is a DomainError with a Chinese sentence naming the field, nothing saved.

The informant's identity never leaves `informant_sealed` in plain text: not in the audit entry
(which says only that an informant was recorded), not in any page but the commission's, each
opening of it (`informant_read`) audited.
"""

import datetime as dt
import re
import secrets
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, crypto, runtime, scope
from jianfu.core import files as filestore
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from . import config
from .config import CREATE, INFORMANT, MANAGE, VIEW
from .models import Clue, ClueCategory, ClueChannel, ClueFile, ClueStatus, PublicReportHit
from .queries import hits_in_window

TEXT_MAX = 20_000
PERSON_MAX = 100
INFORMANT_FIELDS = ("name", "phone", "id_number", "address", "contact")
INFORMANT_MAX = {"name": 50, "phone": 30, "id_number": 30, "address": 200, "contact": 200}
FILES_MAX = 5
OPEN = (ClueStatus.RECEIVED, ClueStatus.DISPOSING, ClueStatus.HANDLING)
# Query codes avoid letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LEN = 8
PHONE_RE = re.compile(r"[0-9+\-() ]{5,30}")

audit.describe(
    {
        "jianfu.accountability.clue.created": gettext_lazy("登记问题线索"),
        "jianfu.accountability.clue.informant_read": gettext_lazy("查看举报人信息"),
        "jianfu.accountability.clue.referred": gettext_lazy("将问题线索转交被反映单位"),
        "jianfu.accountability.clue.status": gettext_lazy("变更问题线索状态"),
        "jianfu.accountability.clue.imported": gettext_lazy("导入问题线索（12345热线、信访）"),
    }
)


# --- near-duplicates -------------------------------------------------------------------------

_DROP = {"Z", "P", "S", "C"}  # separators, punctuation, symbols, controls


def normalise(text: str) -> str:
    """The characters that carry meaning: NFKC (full-width forms folded), lower case, without
    white space, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _DROP)


def shingles(text: str, k: int = 3) -> set[str]:
    s = normalise(text)
    if len(s) <= k:
        return {s} if s else set()
    return {s[i : i + k] for i in range(len(s) - k + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def _cluster_of(unit_id: int, text: str) -> Clue | None:
    """The open clue of the same unit this text repeats, as its cluster's first clue."""
    threshold = runtime.get(config.CLUSTER_JACCARD)
    candidates = (
        Clue.objects.filter(subject_unit_id=unit_id, status__in=OPEN)
        .only("id", "text", "cluster_id")
        .order_by("-received_at")[: config.CLUSTER_CANDIDATES]
    )
    best, best_score = None, threshold
    for c in candidates:
        score = jaccard(text, c.text)
        if score >= best_score:
            best, best_score = c, score
    if best is None:
        return None
    return Clue.objects.get(pk=best.cluster_id) if best.cluster_id else best


# --- checks ----------------------------------------------------------------------------------


def _text(value, field: str, label, *, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > limit:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字（现为 %(m)s 个字）。")
            % {"f": label, "n": limit, "m": len(value)},
            field=field,
        )
    return value


def _informant(informant: dict | None, real_name: bool) -> dict | None:
    if not informant:
        if real_name:
            raise DomainError(
                "informant_required",
                _("实名举报请填写举报人姓名和联系方式。"),
                field="informant_name",
            )
        return None
    clean = {}
    labels = {
        "name": _("举报人姓名"),
        "phone": _("联系电话"),
        "id_number": _("身份证号"),
        "address": _("联系地址"),
        "contact": _("希望的联系方式"),
    }
    for key in INFORMANT_FIELDS:
        clean[key] = _text(
            informant.get(key), f"informant_{key}", labels[key], limit=INFORMANT_MAX[key]
        )
    if clean["phone"] and not PHONE_RE.fullmatch(clean["phone"]):
        raise DomainError(
            "bad_phone",
            _("联系电话“%(v)s”不像电话号码，请只填数字（可含区号和“-”）。") % {"v": clean["phone"]},
            field="informant_phone",
        )
    if not any(clean.values()):
        if real_name:
            raise DomainError(
                "informant_required",
                _("实名举报请填写举报人姓名和联系方式。"),
                field="informant_name",
            )
        return None
    if real_name and not clean["name"]:
        raise DomainError(
            "informant_required", _("实名举报请填写举报人姓名。"), field="informant_name"
        )
    return clean


def check_files(uploads) -> list[tuple[str, bytes, str]]:
    """Every attachment checked before anything is written: a bad one refuses the whole report,
    naming the file."""
    if len(uploads) > FILES_MAX:
        raise DomainError(
            "too_many_files",
            _("附件最多 %(n)s 个（现选了 %(m)s 个）。") % {"n": FILES_MAX, "m": len(uploads)},
            field="file",
        )
    return [(name, data, filestore.check(name, data)) for name, data in uploads]


def _receipt(clue: Clue) -> tuple[str, str]:
    number = f"{timezone.localtime(clue.received_at):%Y%m%d}{clue.pk:06d}"
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))
    return number, code


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def clue_create(
    *,
    channel: str,
    received_at: dt.datetime,
    subject_unit: Unit | int,
    category: str,
    text: str,
    subject_person: str = "",
    informant: dict | None = None,
    real_name: bool = False,
    files: tuple | list = (),
    external_ref: str = "",
    source_kind: str = "",
    source_id: int | None = None,
    by=None,
    receipt: bool = False,
) -> Clue:
    """Register a clue from any channel. `informant` is a dict (name, phone, id_number, address,
    contact) or None for an anonymous clue; `files` are (filename, bytes) pairs checked by
    core/files. A clue of an internal source already registered (same source_kind and source_id)
    is returned unchanged, so a button pressed twice makes one clue. With `receipt`, the clue gets
    a receipt number and a query code (returned once as `clue.query_code`, kept as a digest)."""
    if channel not in ClueChannel.values:
        raise DomainError("bad_channel", _("未知的来源渠道：%(v)s") % {"v": channel})
    if category not in ClueCategory.values:
        raise DomainError("bad_category", _("请选择问题类别。"), field="category")
    unit_id = subject_unit.pk if isinstance(subject_unit, Unit) else subject_unit
    if not unit_id or not Unit.objects.filter(pk=unit_id).exists():
        raise DomainError("bad_unit", _("请选择被反映单位。"), field="subject_unit")
    text = _text(text, "text", _("反映内容"), limit=TEXT_MAX, required=True)
    subject_person = _text(subject_person, "subject_person", _("被反映人"), limit=PERSON_MAX)
    external_ref = (external_ref or "").strip()[:80]
    sealed_fields = _informant(informant, real_name)
    checked = check_files(list(files))
    if source_kind and source_id is not None:
        existing = Clue.objects.filter(source_kind=source_kind, source_id=source_id).first()
        if existing is not None:
            return existing
    cluster = _cluster_of(unit_id, text)
    clue = Clue(
        channel=channel,
        received_at=received_at,
        subject_unit_id=unit_id,
        subject_person=subject_person,
        category=category,
        text=text,
        external_ref=external_ref,
        source_kind=source_kind,
        source_id=source_id,
        cluster=cluster,
        real_name=bool(real_name and sealed_fields),
        informant_sealed=crypto.seal(sealed_fields) if sealed_fields else None,
        created_by=by if getattr(by, "pk", None) and not getattr(by, "is_token", False) else None,
    )
    if cluster is not None:
        clue.status = cluster.status
    try:
        with transaction.atomic():
            clue.save()
    except IntegrityError:
        raise DomainError(
            "duplicate_ref",
            _("编号“%(r)s”的线索已登记，未重复登记。") % {"r": external_ref},
            field="external_ref",
        ) from None
    code = ""
    if receipt:
        clue.receipt_no, code = _receipt(clue)
        clue.query_digest = crypto.fingerprint(code)
        clue.save(update_fields=["receipt_no", "query_digest"])
    now = clock.now()
    for name, data, kind in checked:
        stored = filestore.store(data, kind)
        ClueFile.objects.create(
            clue=clue,
            name=filestore.clean_name(name),
            kind=kind,
            size=stored.size,
            sha256=stored.sha256,
            relpath=stored.relpath,
            uploaded_at=now,
        )
    audit.record(
        "jianfu.accountability.clue.created",
        actor=by,
        obj=clue,
        extra={
            "channel": channel,
            "unit": unit_id,
            "category": category,
            "cluster": cluster.pk if cluster else None,
            "real_name": clue.real_name,
            # Only that an informant was recorded; who it is stays sealed.
            "informant_recorded": bool(sealed_fields),
            "files": len(checked),
            "external_ref": external_ref,
            "source": f"{source_kind}:{source_id}" if source_kind else "",
        },
    )
    clue.query_code = code
    return clue


def _clue_for(by, clue_id: int, perm: str) -> Clue:
    """The clue through the scope (404 outside the account's units, 403 without the code)."""
    return scope.get_for(
        Clue.objects.select_for_update(), by, clue_id, perm=perm, unit_field="subject_unit"
    )


@transaction.atomic
def informant_read(*, by, clue_id: int) -> dict | None:
    """The informant's identity and contact, for the discipline commission only; every opening is
    an audit entry (the audit administrator sees them on the audit log). None when anonymous."""
    clue = scope.get_for(Clue.objects.all(), by, clue_id, perm=VIEW, unit_field="subject_unit")
    scope.require(by, INFORMANT)
    data = crypto.unseal(clue.informant_sealed) if clue.informant_sealed else None
    audit.record(
        "jianfu.accountability.clue.informant_read",
        actor=by,
        obj=clue,
        extra={"anonymous": data is None},
    )
    return data


@transaction.atomic
def clue_refer(*, by, clue_id: int) -> Clue:
    """The commission refers a clue to its subject unit, which then sees it without the informant.
    Referring a cluster's clue refers the whole cluster; a second referral changes nothing."""
    clue = _clue_for(by, clue_id, MANAGE)
    root_id = clue.cluster_id or clue.pk
    if clue.referred_at is not None:
        return clue
    now = clock.now()
    members = Clue.objects.filter(Q(pk=root_id) | Q(cluster_id=root_id))
    ids = list(members.values_list("pk", flat=True))
    members.filter(referred_at__isnull=True).update(referred_at=now, updated_at=now)
    clue.referred_at = now
    audit.record(
        "jianfu.accountability.clue.referred",
        actor=by,
        obj=clue,
        extra={"unit": clue.subject_unit_id, "clues": sorted(ids)},
    )
    return clue


@transaction.atomic
def clue_set_status(*, by, clue_id: int, status: str, note: str = "") -> Clue:
    """Handling moves a clue (and the clues clustered with it: they are handled once) to a status.
    Called by the commission's handling part; `by` None for a job."""
    if status not in ClueStatus.values:
        raise DomainError("bad_status", _("未知的线索状态：%(v)s") % {"v": status}, field="status")
    if by is None:
        clue = Clue.objects.select_for_update().get(pk=clue_id)
    else:
        clue = _clue_for(by, clue_id, MANAGE)
    root_id = clue.cluster_id or clue.pk
    before = clue.status
    if before == status:
        return clue
    Clue.objects.filter(pk=root_id).update(status=status, updated_at=clock.now())
    Clue.objects.filter(cluster_id=root_id).update(status=status, updated_at=clock.now())
    clue.status = status
    audit.record(
        "jianfu.accountability.clue.status",
        actor=by,
        obj=clue,
        changes={"status": [before, status]},
        extra={"cluster": root_id, "note": (note or "").strip()[:500]},
    )
    return clue


@transaction.atomic
def public_report(
    *,
    ip: str | None,
    subject_unit_id,
    category: str,
    text: str,
    subject_person: str = "",
    informant: dict | None = None,
    real_name: bool = False,
    files=(),
) -> Clue:
    """A report from the public page (no account): rate-limited by client address — the count of
    accepted reports in the window is read from the database, so every worker process sees the
    same — then registered through clue_create with a receipt number and query code."""

    ip = ip or "unknown"
    limit = runtime.get(config.PUBLIC_LIMIT)
    if hits_in_window(ip) >= limit:
        raise DomainError(
            "rate_limited",
            _(
                "同一网络地址提交过于频繁（%(m)s 分钟内最多 %(n)s 件），本次提交未受理。"
                "请稍后再试；已提交的举报不受影响。"
            )
            % {"m": runtime.get(config.PUBLIC_WINDOW), "n": limit},
            status=429,
        )
    clue = clue_create(
        channel=ClueChannel.PUBLIC,
        received_at=clock.now(),
        subject_unit=subject_unit_id,
        category=category,
        text=text,
        subject_person=subject_person,
        informant=informant,
        real_name=real_name,
        files=files,
        receipt=True,
    )
    PublicReportHit.objects.create(ip=ip[:45], at=clock.now())
    return clue


# --- internal channels -----------------------------------------------------------------------

FREE_TEXT = ("problems", "docs_senders", "suggestions")
FREE_TEXT_LABELS = {
    "problems": gettext_lazy("突出问题"),
    "docs_senders": gettext_lazy("发文最多、负担最重的单位"),
    "suggestions": gettext_lazy("意见建议"),
}
SOURCE_REPORT = "monitoring.report"
SOURCE_SIGNAL = "signals.signal"


def report_text(values: dict) -> str:
    """A sample-point report's free-text answers as one text, each under its question."""
    parts = []
    for key in FREE_TEXT:
        answer = str(values.get(key) or "").strip()
        if answer:
            parts.append(f"【{FREE_TEXT_LABELS[key]}】{answer}")
    return "\n".join(parts)


@transaction.atomic
def clue_from_report(*, by, report_id: int) -> Clue:
    """The office or the commission turns a sample-point report's free-text answers into a clue
    (channel sample point; subject unit the point's county, which sends it its burden). Pressed
    twice, the same clue."""
    from jianfu.monitoring.models import Report

    reports = Report.objects.select_related("point", "point__unit")
    if by is None:  # the demo, a job
        report = reports.get(pk=report_id)
    else:
        report = scope.get_for(reports, by, report_id, perm=CREATE, unit_field="point__unit")
    text = report_text(report.values or {})
    if not text:
        raise DomainError("no_text", _("该填报没有文字反映的问题，无法转为问题线索。"))
    text = _("%(p)s（%(period)s 填报）反映：\n%(t)s") % {
        "p": report.point.unit.name,
        "period": report.period,
        "t": text,
    }
    return clue_create(
        channel=ClueChannel.SAMPLE_POINT,
        received_at=report.submitted_at,
        subject_unit=report.point.county_id,
        category=ClueCategory.OTHER,
        text=text,
        source_kind=SOURCE_REPORT,
        source_id=report.pk,
        by=by,
    )


def _signal_text(signal) -> str:
    from jianfu.signals import display

    return _("预警“%(h)s”自 %(d)s 发现以来仍未处理。") % {
        "h": display.headline(signal),
        "d": timezone.localtime(signal.first_raised_at).strftime("%Y-%m-%d"),
    }


@transaction.atomic
def clue_from_signal(*, by, signal_id: int) -> Clue:
    """Escalate a signal into a clue (channel signal), once per signal. `by` None: the nightly
    job."""
    from jianfu.signals.models import Signal

    if by is None:
        signal = Signal.objects.select_related("unit").get(pk=signal_id)
    else:
        signal = scope.get_for(Signal.objects.select_related("unit"), by, signal_id, perm=MANAGE)
    return clue_create(
        channel=ClueChannel.SIGNAL,
        received_at=clock.now(),
        subject_unit=signal.unit_id,
        category=ClueCategory.OTHER,
        text=_signal_text(signal),
        source_kind=SOURCE_SIGNAL,
        source_id=signal.pk,
        by=by,
    )


def escalate_signals() -> list[int]:
    """The nightly job: signals of the configured rules still open after the configured days
    become clues, once per signal. Returns the new clues' ids."""
    from jianfu.signals.models import Signal, SignalStatus

    rules = [c.strip() for c in runtime.get(config.ESCALATE_RULES).split(",") if c.strip()]
    if not rules:
        return []
    since = clock.now() - dt.timedelta(days=runtime.get(config.ESCALATE_DAYS))
    done = Clue.objects.filter(source_kind=SOURCE_SIGNAL).values("source_id")
    ids = (
        Signal.objects.filter(
            rule__in=rules,
            status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED],
            first_raised_at__lte=since,
        )
        .exclude(pk__in=done)
        .values_list("pk", flat=True)
    )
    return [clue_from_signal(by=None, signal_id=pk).pk for pk in list(ids)]
