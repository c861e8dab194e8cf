"""Units by name or code: the units a sheet names, found in the importer's scope, and the
names an export writes so that the file finds them again."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from jianfu.core import parsing, scope
from jianfu.core.bulk import chunks
from jianfu.core.models import Unit
from jianfu.core.parsing import ParseError


def name_key(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


class UnitIndex:
    """The units in a principal's scope, found by code, full name or (unique) short name.

    Built with one query per import; lookups are memoised per spelling."""

    SUGGEST_LIMIT = 50  # distinct unknown names that get suggestions (difflib is slow-ish)

    def __init__(self, principal):
        s = self.scope = scope.scope_of(principal)
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_short: dict[str, list[int]] = defaultdict(list)
        self.info: dict[int, tuple[str, str, str]] = {}  # pk -> (code, name, path)
        rows = (
            Unit.objects.filter(s.units_q())
            .order_by("path")
            .values_list("pk", "code", "name", "short_name", "path")
        )
        for pk, code, name, short, path in rows:
            self.by_code[code] = pk
            self.by_name[name_key(name)].append(pk)
            if short:
                self.by_short[name_key(short)].append(pk)
            self.info[pk] = (code, name, path)
        self._memo: dict[str, int | ParseError] = {}
        self._names: list[str] | None = None
        self._suggested = 0
        self._parent_names: dict[str, str] | None = None

    def covers(self, unit_id: int) -> bool:
        return unit_id in self.info

    def resolve(self, value) -> int | None:
        """A unit's pk from its code or name; None for an empty cell; ParseError otherwise."""
        text = parsing.parse_text(value)
        if not text:
            return None
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = self._find(text)
        if isinstance(found, ParseError):
            raise found
        return found

    def _find(self, text: str) -> int | ParseError:
        pk = self.by_code.get(text)
        if pk is None and not text.isascii():
            pk = self.by_code.get(parsing.half_width(text))
        if pk is not None:
            return pk
        key = name_key(text)
        for table in (self.by_name, self.by_short):
            found = table.get(key)
            if found and len(found) == 1:
                return found[0]
            if found:
                return ParseError(
                    _("有 %(n)s 个单位都叫“%(v)s”：%(list)s。请改填单位代码。")
                    % {
                        "n": len(found),
                        "v": text,
                        "list": _("；").join(self._label(p) for p in found),
                    }
                )
        if self._exists_elsewhere(text):
            # Naming that the unit exists is all this says: no code, parent or hint beyond
            # the spelling the person wrote themselves.
            return ParseError(_("“%(v)s”不在您管理的单位范围内。") % {"v": text})
        return ParseError(self._unknown(text, key))

    def _exists_elsewhere(self, text: str) -> bool:
        """Whether a unit outside the scope has this code, full name or short name (one query
        per distinct unknown spelling)."""
        spellings = {text, parsing.half_width(text) if not text.isascii() else text}
        return Unit.objects.filter(
            Q(code__in=spellings) | Q(name__in=spellings) | Q(short_name__in=spellings)
        ).exists()

    def _label(self, pk: int) -> str:
        code, name, path = self.info[pk]
        parent = self._parent_name(path)
        return _("%(name)s（上级：%(parent)s，代码 %(code)s）") % {
            "name": name,
            "parent": parent or "—",
            "code": code,
        }

    def _parent_name(self, path: str) -> str:
        if self._parent_names is None:
            self._parent_names = {p: n for _pk, (_c, n, p) in self.info.items()}
        parent_path = path[: -Unit.steplen]
        if parent_path and parent_path not in self._parent_names:
            self._parent_names[parent_path] = (
                Unit.objects.filter(path=parent_path).values_list("name", flat=True).first() or ""
            )
        return self._parent_names.get(parent_path, "")

    def _unknown(self, text: str, key: str) -> str:
        close: list[str] = []
        if self._suggested < self.SUGGEST_LIMIT:
            self._suggested += 1
            if self._names is None:
                self._names = sorted({n for _c, n, _p in self.info.values()})
                self._name_of_key = {name_key(n): n for n in self._names}
                self._keys = list(self._name_of_key)
            close = [
                self._name_of_key[k]
                for k in difflib.get_close_matches(key, self._keys, n=3, cutoff=0.5)
            ]
        if close:
            return _("找不到单位“%(v)s”。您是不是要找：%(close)s？") % {
                "v": text,
                "close": "、".join(close),
            }
        return _("找不到单位“%(v)s”：请填写您管理范围内单位的全称或单位代码。") % {"v": text}


def unit_labels(unit_ids) -> dict[int, str]:
    """{pk: name}, or the code where another unit has the same name (so a re-import finds it)."""
    info: dict[int, tuple[str, str]] = {}
    for chunk in chunks(sorted(set(unit_ids))):
        info.update(
            (pk, (code, name))
            for pk, code, name in Unit.objects.filter(pk__in=chunk).values_list(
                "pk", "code", "name"
            )
        )
    names = sorted({n for _c, n in info.values()})
    shared: set[str] = set()
    for chunk in chunks(names):
        shared.update(
            Unit.objects.filter(name__in=chunk)
            .order_by()
            .values("name")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("name", flat=True)
        )
    return {pk: (code if name in shared else name) for pk, (code, name) in info.items()}
