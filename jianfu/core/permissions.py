"""The permission catalogue: codes as plain data, roles as sets of codes.

A code is "<app>.<entity>:<action>". Every check names a code from this catalogue; an unknown code
raises, so a typo cannot silently deny (or allow) anything. Later capabilities add their codes here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICE = "office", _("市委办工作人员")
    LEADER = "leader", _("领导")
    CONTACT = "contact", _("单位联络员")
    REPORTER = "reporter", _("样本点填报员")
    DISCIPLINE = "discipline", _("纪委监委")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


# 三员分立: an account that holds one of these holds no other role at all.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)

CATALOGUE: dict[str, str] = {
    "core.unit:view": _("查看单位"),
    "core.unit:manage": _("维护单位（新增、修改、撤销、导入）"),
    "core.account:view": _("查看账户"),
    "core.account:manage": _("维护账户（新增、停用、重置密码）"),
    "core.role:grant": _("授予和收回角色"),
    "core.account:unlock": _("解除账户锁定"),
    "core.two_factor:reset": _("重置账户的双因素认证"),
    "core.token:manage": _("签发和吊销接口令牌"),
    "core.setting:view": _("查看运行参数"),
    "core.setting:security": _("修改安全参数"),
    "core.setting:business": _("修改业务参数"),
    "core.audit:view": _("查阅审计日志"),
    "core.dashboard:view": _("查看领导驾驶舱（全市一览、单位概况）"),
    "core.system:view": _("查看运行状态（后台任务、定时任务、填报进度、数据库）"),
}

_BUSINESS_READ = {"core.unit:view"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OFFICE: frozenset(
        _BUSINESS_READ | {"core.setting:view", "core.setting:business", "core.dashboard:view"}
    ),
    Role.LEADER: frozenset(_BUSINESS_READ | {"core.setting:view", "core.dashboard:view"}),
    # A contact sees its own unit's profile (its scope is its unit's subtree).
    Role.CONTACT: frozenset(_BUSINESS_READ | {"core.dashboard:view"}),
    Role.REPORTER: frozenset(_BUSINESS_READ),
    Role.DISCIPLINE: frozenset(_BUSINESS_READ),
    Role.SYSADMIN: frozenset(
        {
            "core.unit:view",
            "core.unit:manage",
            "core.account:view",
            "core.account:manage",
            "core.system:view",
        }
    ),
    Role.SECADMIN: frozenset(
        {
            "core.account:view",
            "core.role:grant",
            "core.account:unlock",
            "core.two_factor:reset",
            "core.token:manage",
            "core.setting:view",
            "core.setting:security",
        }
    ),
    Role.AUDITOR: frozenset({"core.audit:view"}),
}

# Codes an API token may carry: reads and pushes of business data, never administration.
TOKEN_GRANTABLE = frozenset({"core.unit:view"})

# Roles whose home scope is their unit alone, not the subtree below it.
UNIT_ONLY_ROLES = frozenset({Role.REPORTER})


def check_code(code: str) -> str:
    if code not in CATALOGUE:
        raise KeyError(f"unknown permission code: {code}")
    return code


def register(codes: dict[str, str], roles: dict[str, set[str]], token: set[str] = frozenset()):
    """Let a later app add its codes and give them to roles, in its AppConfig.ready()."""
    global TOKEN_GRANTABLE
    CATALOGUE.update(codes)
    for role, extra in roles.items():
        unknown = set(extra) - set(CATALOGUE)
        if unknown:
            raise KeyError(f"unknown permission codes: {sorted(unknown)}")
        ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS[role] | frozenset(extra)
    TOKEN_GRANTABLE = TOKEN_GRANTABLE | frozenset(token)


def permissions_for_roles(roles) -> frozenset[str]:
    codes: set[str] = set()
    for role in roles:
        codes |= ROLE_PERMISSIONS[role]
    return frozenset(codes)
