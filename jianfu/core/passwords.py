"""Password validators beyond complexity: common passwords seen through their disguises, and no
reuse of the last few passwords.

"Passw0rd!" passes any character-class rule; it is "password" with a zero and a bang. The common
list is checked against the password as typed and against its normalised forms: lowercase, with
the trailing digits and punctuation people append removed, and with leetspeak undone.
"""

import re

from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import clock

# Our own additions to Django's 20,000: the platform's name, the keyboard and number runs Chinese
# users favour, and pinyin favourites (Django's list is drawn mostly from English-language leaks).
OWN_LIST = frozenset(
    """
    jianfu jianfupingtai jianfu2025 woaini woaiwojia woaizhongguo zhongguo zhonghua beijing
    shanghai admin administrator root system sysadmin secadmin auditor guanliyuan mima
    qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm qweasd qazwsx 1qaz2wsx iloveyou password
    aaaaaa abcdef abcdefg abc123 a123456 aa123456 123456 1234567 12345678 123456789 1234567890
    123123 111111 000000 666666 888888 112233 147258 147258369 5201314 1314520 woaini1314
    nihao nihaoma wangyi baidu tencent huawei xiaomi dangwei shiwei bangongshi zhengfu
    gongzuo jiayou
    """.split()  # noqa: SIM905 - a word list reads better as words
)

# Leetspeak, undone. "1" may stand for i or l, so both readings are tried.
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_TRAILING = re.compile(r"[\d\W_]+$")
_LEADING = re.compile(r"^[\d\W_]+")


def normalised_forms(password: str) -> set[str]:
    """The password as typed (lowercased), without what was appended or prepended to it, and
    with leetspeak read back as letters."""
    text = password.lower().strip()
    cores = {text, _TRAILING.sub("", text), _LEADING.sub("", _TRAILING.sub("", text))}
    forms = set()
    for core in cores:
        if not core:
            continue
        unleet = core.translate(_LEET)
        forms |= {core, unleet, unleet.replace("1", "i"), unleet.replace("1", "l")}
        # Undoing leetspeak can leave a tail to strip again ("p@ssw0rd1" → "password1").
        forms |= {_TRAILING.sub("", f) for f in set(forms)}
    return {f for f in forms if f}


class CommonPasswordValidator:
    """Refuses a password whose normalised forms are on Django's list of common passwords or on
    ours."""

    def __init__(self):
        self.words = DjangoCommon().passwords | OWN_LIST

    def validate(self, password: str, user=None) -> None:
        if normalised_forms(password) & self.words:
            raise ValidationError(
                _("密码过于常见（或只是常见密码加了数字、符号或字母替换），请换一个。"),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("不能是常见密码，也不能只是常见密码加数字、符号或字母替换。")


HISTORY = 5  # the current password and the four before it


class HistoryValidator:
    """Refuses the account's current password and the ones it had before, up to HISTORY."""

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        if any(check_password(password, hashed) for hashed in recent_hashes(user)):
            raise ValidationError(
                _("不能使用最近 %(n)s 次用过的密码。") % {"n": HISTORY},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return _("不能使用最近 %(n)s 次用过的密码。") % {"n": HISTORY}


def recent_hashes(user) -> list[str]:
    from .models import PasswordHistory, User

    current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    earlier = PasswordHistory.objects.filter(user_id=user.pk).order_by("-retired_at", "-pk")
    hashes = [current] if current else []
    return hashes + list(earlier.values_list("password", flat=True)[: HISTORY - 1])


@transaction.atomic
def retire(user) -> None:
    """Keep the account's current password hash before it changes, and forget older ones beyond
    what the history checks. Called by the services that set a password, before they do."""
    from .models import PasswordHistory, User

    current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    if not current or not is_password_usable(current):
        return
    PasswordHistory.objects.create(user_id=user.pk, password=current, retired_at=clock.now())
    keep = PasswordHistory.objects.filter(user_id=user.pk).order_by("-retired_at", "-pk")
    stale = list(keep.values_list("pk", flat=True)[HISTORY - 1 :])
    if stale:
        PasswordHistory.objects.filter(pk__in=stale).delete()
