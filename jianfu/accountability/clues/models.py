"""The clue ledger (问题线索): one ledger across channels — the public page, the 12345 hotline,
petitions (信访), sample-point reports flagged by the office, escalated signals and referrals from
inspection tours. Near-duplicate clues are clustered and handled once, with every source kept.

The informant's identity and contact are the most sensitive data of the platform: they are never
stored in plain text, only sealed (SM4, the key outside the database and the code) in
`informant_sealed`, and opened only by the discipline commission through the services, each
opening audited.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopedManager

__all__ = ["Clue", "ClueCategory", "ClueChannel", "ClueFile", "ClueStatus", "PublicReportHit"]


class ClueChannel(models.TextChoices):
    PUBLIC = "public", _("网上举报")
    HOTLINE = "hotline", _("12345热线")
    PETITION = "petition", _("信访")
    SAMPLE_POINT = "sample_point", _("样本点反映")
    SIGNAL = "signal", _("预警升级")
    TOUR = "tour", _("巡察移交")
    OTHER = "other", _("其他渠道")


class ClueCategory(models.TextChoices):
    DOCUMENTS = "documents", _("文山：发文过多、以文件落实文件")
    MEETINGS = "meetings", _("会海：会议过多过长、层层陪会")
    INSPECTIONS = "inspections", _("督查检查考核过多过频")
    FORMS = "forms", _("报表过多、指尖上的形式主义")
    TRACES = "traces", _("过度留痕")
    GAMING = "gaming", _("数据造假、变通应付")
    PROJECTS = "projects", _("虚假开工、签约不落地")
    OTHER = "other", _("其他形式主义、官僚主义问题")


class ClueStatus(models.TextChoices):
    RECEIVED = "received", _("已受理待处置")
    DISPOSING = "disposing", _("处置审批中")
    HANDLING = "handling", _("处置中")
    CLOSED = "closed", _("已办结")
    PASSED_ON = "passed_on", _("已移送其他层级")


class Clue(models.Model):
    channel = models.CharField(_("来源渠道"), max_length=20, choices=ClueChannel.choices)
    received_at = models.DateTimeField(_("收到时间"))
    # The unit the clue is about: the scope it lives in.
    subject_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("被反映单位")
    )
    subject_person = models.CharField(_("被反映人（姓名、职务）"), max_length=100, blank=True)
    category = models.CharField(_("问题类别"), max_length=20, choices=ClueCategory.choices)
    text = models.TextField(_("反映内容"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ClueStatus.choices, default=ClueStatus.RECEIVED
    )
    # The channel's own number (12345 work order, petition number), for imports run again.
    external_ref = models.CharField(_("原始编号"), max_length=80, blank=True)
    # Where an internal channel took it from (a signal, a sample-point report, a tour finding).
    source_kind = models.CharField(max_length=32, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    # The clue a near-duplicate joins: the cluster is handled once, on its first clue.
    cluster = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("并案线索"),
    )
    # The informant: whether real-name, and the sealed identity and contact (never plain text).
    real_name = models.BooleanField(_("实名举报"), default=False)
    informant_sealed = models.BinaryField(null=True, blank=True, editable=False)
    # When the commission referred it to the subject unit (which then sees it, without informant).
    referred_at = models.DateTimeField(_("转交被反映单位时间"), null=True, blank=True)
    # What the public page hands back: a receipt number and a query code (kept only as a keyed
    # digest) with which the informant later sees the status, not the handling.
    receipt_no = models.CharField(_("受理编号"), max_length=20, blank=True)
    query_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    scoped = ScopedManager("subject_unit")

    class Meta:
        verbose_name = _("问题线索")
        verbose_name_plural = _("问题线索")
        indexes = [
            models.Index(fields=["status", "received_at"], name="acc_clue_status"),
            models.Index(fields=["subject_unit", "received_at"], name="acc_clue_unit"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="acc_clue_channel_ref_unique",
            ),
            models.UniqueConstraint(
                fields=["receipt_no"],
                condition=~models.Q(receipt_no=""),
                name="acc_clue_receipt_unique",
            ),
            models.UniqueConstraint(
                fields=["source_kind", "source_id"],
                condition=~models.Q(source_kind=""),
                name="acc_clue_source_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d}"


class ClueFile(models.Model):
    """An attachment sent with a clue: kept outside the database under its SHA-256
    (jianfu.core.files), as every other evidence file."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    relpath = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = models.Manager()
    scoped = ScopedManager("clue__subject_unit")


class PublicReportHit(models.Model):
    """One submission attempt on the public page, by client address: the rate limit counts these
    in the database, so every worker process of the server sees the same count."""

    ip = models.CharField(max_length=45)
    at = models.DateTimeField()
    accepted = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="acc_public_hit_ip")]
