from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager

from .fields import EncryptedTextField, Unreadable
from .masking import mask_phone
from .permissions import Role
from .scope_guard import ScopedManager


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")
    DEPARTMENT = "department", _("市直单位")
    COUNTY_DEPARTMENT = "county_department", _("县直部门")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")


GRASSROOTS_KINDS = frozenset(
    {UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.SCHOOL, UnitKind.ENTERPRISE}
)


class ScopedUnitManager(ScopedManager, MP_NodeManager):
    """The guarded manager of Unit: treebeard's (ordered by path) under the guard."""


class Unit(MP_Node):
    """A node of the units tree (materialized path: a subtree is one index range on `path`).

    Units are never deleted: they close (valid_until) and may name a successor, whom year-on-year
    figures follow.
    """

    steplen = 4

    code = models.CharField(_("单位代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    valid_until = models.DateField(_("撤销日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承继单位"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MP_NodeManager()
    scoped = ScopedUnitManager(None)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["kind", "path"], name="unit_kind_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def is_open(self) -> bool:
        return self.valid_until is None


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        # Login names are unique regardless of case (等保: identities are unique).
        return self.get(username__iexact=username)


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Personal data: SM4-encrypted in the column, masked (phone_masked) everywhere but the
    # account's own page.
    phone = EncryptedTextField(_("联系电话"), blank=True)
    home_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        related_name="accounts",
        verbose_name=_("所在单位"),
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # After this day the account cannot log in, and the nightly run disables it.
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    # Bumped whenever the account's roles or standing change: a session keeps the role codes it
    # read, and reads them again when this moves.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = AccountManager()
    scoped = ScopedManager("home_unit")

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("username"), name="user_username_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    @property
    def phone_masked(self) -> str:
        if isinstance(self.phone, Unreadable):
            return self.phone
        return mask_phone(self.phone)

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.role_codes)]


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授予")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="rolegrant_user_role_unique")
        ]


class LoginFailure(models.Model):
    """One failed login, keyed on the login name and the client address (a lockout from elsewhere
    cannot lock the office out)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="loginfailure_key"),
            # The address throttle counts an address's failures over every login name.
            models.Index(fields=["ip", "at"], name="loginfailure_ip"),
        ]


class AuditEntry(models.Model):
    """Append-only, hash-chained record of every write made through the application.

    `seq` is dense (1, 2, 3 …) so a removed entry leaves a gap that `jianfu audit verify` names;
    `hash` is an HMAC-SM3 (key outside the database, core.audit_key) over the entry's fields and the
    previous entry's hash, so an altered entry breaks it. The database refuses UPDATE and DELETE
    of these rows (migration 0007).
    """

    seq = models.PositiveBigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=160)
    ip = models.GenericIPAddressField(_("来源地址"), null=True)
    code = models.CharField(_("事件"), max_length=100, db_index=True)
    success = models.BooleanField(_("成功"), default=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    changes = models.JSONField(_("变更"), default=dict)
    extra = models.JSONField(_("附加信息"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """The one row writers lock to append to the chain: last sequence number and hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class RuntimeSetting(models.Model):
    """A value of a runtime setting (see core.runtime for the definitions and defaults)."""

    key = models.CharField(max_length=80, unique=True)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")


class ApiToken(models.Model):
    """A credential for a system that pushes data: bound to a unit (and what lies below it) and a
    set of permission codes. Only a hash of the secret is kept."""

    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("绑定单位"))
    scopes = models.JSONField(_("权限范围"), default=list)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = models.Manager()
    scoped = ScopedManager()

    class Meta:
        verbose_name = _("接口令牌")

    def __str__(self) -> str:
        return self.name


class ImportRecord(models.Model):
    """One file imported: kept with its hash; later stages (rules) pick new imports up from here."""

    kind = models.CharField(_("导入类型"), max_length=40)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    filename = models.CharField(_("文件名"), max_length=255)
    stored_as = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入记录")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队等待检查")
    CHECKING = "checking", _("正在检查")
    PREVIEW = "preview", _("等待确认")
    APPLYING = "applying", _("正在导入")
    FAILED = "failed", _("未导入")
    DONE = "done", _("已导入")
    CANCELLED = "cancelled", _("已取消")


class ImportJob(models.Model):
    """A file on its way in, checked and written by a background task (imports.background): how far
    the work is, then the problems found, the preview awaiting the person's confirmation, or the
    ImportRecord written. The file waits under MEDIA_ROOT until the job ends. A job is its
    starter's: an account (the import page, or the API in a session) or an API token."""

    kind = models.CharField(max_length=40)  # the importer registered under this name
    by = models.ForeignKey(User, on_delete=models.CASCADE, null=True, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, null=True, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    pending_as = models.CharField(max_length=255, blank=True)  # the waiting file, until the end
    status = models.CharField(
        max_length=12, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    step = models.PositiveSmallIntegerField(default=0)
    steps = models.PositiveSmallIntegerField(default=0)
    step_label = models.CharField(max_length=80, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)  # [{row, column, message, value}]
    record = models.ForeignKey(ImportRecord, on_delete=models.SET_NULL, null=True, related_name="+")
    result = models.JSONField(default=dict, blank=True)  # what the importer reports when done
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(by__isnull=False, token__isnull=True)
                | models.Q(by__isnull=True, token__isnull=False),
                name="import_job_one_starter",
            )
        ]


class ScheduledJob(models.Model):
    """When a recurring job runs next; the worker claims a run with a conditional update."""

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)


class PasswordHistory(models.Model):
    """A password an account had before (its hash): the last few may not be chosen again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    retired_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "-retired_at"], name="passwordhistory_user")]


class AddressBlock(models.Model):
    """A client address refused any login until a time: it failed on too many login names
    (credential stuffing). Runtime settings decide how many names, within what window, how long."""

    ip = models.GenericIPAddressField(unique=True)
    until = models.DateTimeField()


class Lockout(models.Model):
    """A login name locked from one client address until a time (runtime settings decide how many
    failures, within what window, lock for how long)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True)
    until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="lockout_key_unique")
        ]


class AuditVerification(models.Model):
    """The outcome of one walk of the audit chain (nightly, or asked for by the audit
    administrator)."""

    at = models.DateTimeField(_("校验时间"))
    entries = models.PositiveBigIntegerField(_("记录数"), default=0)
    ok = models.BooleanField(_("完整"))
    first_bad_seq = models.PositiveBigIntegerField(_("首条异常记录"), null=True)
    problem = models.CharField(_("问题"), max_length=200, blank=True)


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")
    WORKDAY = "workday", _("调休上班日")


class HolidayOverride(models.Model):
    """A day the office declares off or on, over what chinese-calendar says (or for years it does
    not know yet). core.workdays reads these first."""

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=HolidayKind.values), name="holidayoverride_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"
