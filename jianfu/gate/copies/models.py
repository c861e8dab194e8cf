"""The gate's copies part: each registered document's MinHash signature, and the copies found.

`Signature` is one row per registry document with text (deleted and created again when the text
changes, never updated in place, so that the count, highest id and sum of ids of the rows tell
the in-process index it is stale). `Match` is a document found mostly copied from another, with
the share and whether the source is a higher level's earlier document (copy-through, 以文件落实
文件); both are kept fresh by index.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianfu.core.models import Unit
from jianfu.core.scope_guard import ScopedManager
from jianfu.registry.models import Document

__all__ = ["Match", "Signature"]


class Signature(models.Model):
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    issued_on = models.DateField(_("发文日期"))
    length = models.PositiveIntegerField(_("比对字数"))
    digest = models.CharField(max_length=40)
    hashvalues = models.BinaryField()
    indexed_at = models.DateTimeField()

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("文件指纹")
        verbose_name_plural = _("文件指纹")


class Match(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    source_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    issued_on = models.DateField(_("发文日期"))
    share = models.FloatField(_("照抄比例（%）"))
    jaccard = models.FloatField(_("相似度（%）"))
    passages = models.PositiveIntegerField(_("雷同段落"))
    # The source is a higher level's document (an ancestor's, or its departments') issued earlier.
    higher = models.BooleanField(_("照抄上级文件"), default=False)
    found_at = models.DateTimeField()

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("照抄照搬文件")
        verbose_name_plural = _("照抄照搬文件")
        constraints = [
            models.UniqueConstraint(fields=["document", "source"], name="gate_match_pair"),
            models.CheckConstraint(
                condition=models.Q(share__gte=0, share__lte=100), name="gate_match_share"
            ),
        ]
        indexes = [
            models.Index(fields=["higher", "issued_on"], name="gate_match_higher"),
            models.Index(fields=["unit", "issued_on"], name="gate_match_unit"),
        ]
