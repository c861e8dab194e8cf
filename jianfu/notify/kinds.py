"""The one table of message kinds. An app registers each kind it sends (in its AppConfig.ready()
or at module level), as it registers home cards and audit codes; the label is what the inbox, the
delivery log and the preferences page show."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str  # "<app>.<what>", e.g. "monitoring.reminder"
    label: str
    # Listed on the preferences page (a unit may switch its channels off for it).
    switchable: bool = True


KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        KINDS[kind.code] = kind


def label(code: str) -> str:
    kind = KINDS.get(code)
    return str(kind.label) if kind else code


def check(code: str) -> Kind:
    if code not in KINDS:
        raise KeyError(f"unknown message kind: {code}")
    return KINDS[code]
