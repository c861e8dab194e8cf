"""Runtime settings: thresholds the right role changes on a page, kept in one audited table.

Each definition names its group: "security" settings belong to the security administrator,
"business" settings (rule thresholds, counting) to the city office.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SettingDef:
    key: str
    default: Any
    label: str
    help: str
    group: str  # "security" | "business"
    minimum: float | None = None
    maximum: float | None = None
    # A text setting may name its allowed values ((value, label), …) or a check that raises
    # ValueError with the sentence the person sees; a secret (a password) is never shown back
    # and never written to the audit log in clear.
    choices: tuple = ()
    check: Callable[[Any], None] | None = None
    secret: bool = False

    @property
    def kind(self) -> type:
        return type(self.default)

    def parse(self, value) -> Any:
        """The value from a form, the API or the table, as the definition's type."""
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "on", "yes", "是"}:
                return True
            if text in {"0", "false", "off", "no", "否", ""}:
                return False
            raise ValueError(value)
        if self.kind is str:
            return "" if value is None else str(value).strip()
        return self.kind(value)


DEFINITIONS: dict[str, SettingDef] = {}


def role_list(value: str) -> set[str]:
    """A comma-separated list of role codes, as a set ("" is none)."""
    return {part.strip() for part in str(value or "").replace("，", ",").split(",") if part.strip()}


def _check_roles(value: str) -> None:
    from .permissions import Role

    unknown = sorted(role_list(value) - set(Role.values))
    if unknown:
        raise ValueError(str(_("未知的角色代码：%(r)s") % {"r": "、".join(unknown)}))


def define(*defs: SettingDef) -> None:
    for d in defs:
        DEFINITIONS[d.key] = d


define(
    SettingDef(
        "security.lockout_threshold",
        5,
        _("登录失败锁定次数"),
        _("同一账户在同一地址连续登录失败达到此次数即锁定。"),
        "security",
        3,
        10,
    ),
    SettingDef(
        "security.lockout_window_minutes",
        15,
        _("失败计数时间窗（分钟）"),
        _("在此时间内的登录失败计入锁定次数。"),
        "security",
        1,
        120,
    ),
    SettingDef(
        "security.lockout_minutes",
        30,
        _("锁定时长（分钟）"),
        _("锁定到期后自动解除；安全管理员也可提前解除。"),
        "security",
        5,
        1440,
    ),
    SettingDef(
        "security.idle_minutes_privileged",
        15,
        _("管理员和市委办人员空闲超时（分钟）"),
        _("三员和市委办工作人员无操作超过此时长自动退出。"),
        "security",
        5,
        30,
    ),
    SettingDef(
        "security.idle_minutes",
        30,
        _("其他账户空闲超时（分钟）"),
        _("其他账户无操作超过此时长自动退出。"),
        "security",
        5,
        60,
    ),
    SettingDef(
        "security.password_max_age_days",
        180,
        _("密码有效期（天）"),
        _("超过此天数须修改密码。"),
        "security",
        30,
        365,
    ),
    SettingDef(
        "security.address_threshold",
        10,
        _("同一地址失败账户数上限"),
        _("同一地址在时间窗内对这么多个不同的用户名登录失败，即暂停从该地址登录（防撞库）。"),
        "security",
        3,
        100,
    ),
    SettingDef(
        "security.address_window_minutes",
        15,
        _("地址失败计数时间窗（分钟）"),
        _("在此时间内从同一地址的登录失败计入上一项。"),
        "security",
        1,
        1440,
    ),
    SettingDef(
        "security.address_block_minutes",
        30,
        _("地址暂停登录时长（分钟）"),
        _("暂停到期后自动解除。"),
        "security",
        5,
        1440,
    ),
    SettingDef(
        "security.two_factor_roles",
        "office,sysadmin,secadmin,auditor",
        _("须使用双因素认证的角色"),
        _(
            "角色代码，以逗号分隔（office 市委办、leader 领导、discipline 纪委监委、"
            "contact 联络员、reporter 填报员、sysadmin、secadmin、auditor 三员）。"
            "这些角色的账户登录时除密码外还须输入验证器应用生成的动态验证码；留空则不强制。"
        ),
        "security",
        check=_check_roles,
    ),
    SettingDef(
        "security.stale_account_days",
        90,
        _("长期未登录账户停用天数"),
        _("账户超过此天数未登录，夜间任务自动停用（最后一个安全管理员除外）。"),
        "security",
        30,
        3650,
    ),
    # A file's size says little about its sheet's: one value in XFD1048576 makes a 14 KB file a
    # sheet of 17 billion cells. Imports refuse sheets beyond these before reading them.
    SettingDef(
        "import.max_rows",
        200_000,
        _("导入表格最多行数"),
        _("导入的 Excel/CSV 表格超过此行数即拒绝，并指出超出的单元格。"),
        "security",
        1_000,
        1_048_576,
    ),
    SettingDef(
        "import.max_columns",
        200,
        _("导入表格最多列数"),
        _("导入的 Excel/CSV 表格超过此列数即拒绝，并指出超出的单元格。"),
        "security",
        20,
        16_384,
    ),
)


# Every request reads a setting or two (the idle timeout, at least): the whole table, a few dozen
# rows, is read at most once per CACHE_SECONDS per process. A change made here is seen at once by
# this process (setting_update calls invalidate) and by the others within CACHE_SECONDS.
CACHE_SECONDS = 5.0
_cache: tuple[float, dict[str, Any]] | None = None


def invalidate() -> None:
    global _cache
    _cache = None


def _stored() -> dict[str, Any]:
    global _cache
    now = time.monotonic()
    if _cache is None or _cache[0] <= now:
        from .models import RuntimeSetting

        _cache = (now + CACHE_SECONDS, dict(RuntimeSetting.objects.values_list("key", "value")))
    return _cache[1]


def get(key: str) -> Any:
    d = DEFINITIONS[key]
    stored = _stored()
    return d.parse(stored[key]) if key in stored else d.default


def get_many(keys) -> dict[str, Any]:
    stored = _stored()
    return {
        k: DEFINITIONS[k].parse(stored[k]) if k in stored else DEFINITIONS[k].default for k in keys
    }
