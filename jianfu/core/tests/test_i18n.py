"""The English interface: the language cookie and the switch pick it, the pages show it, and the
catalogue is complete — every msgid translated, none fuzzy, placeholders kept, the committed .mo in
step with the .po — so a new user-facing string cannot ship untranslated.

After changing user-facing strings: `make messages`, translate the new entries in
jianfu/locale/en/LC_MESSAGES/django.po, then `make messages` again to compile.
"""

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

PROJECT = Path(__file__).resolve().parents[2]  # the jianfu package
PO = PROJECT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

HAN = re.compile(r"[\u3400-\u9fff]")
SIDEBAR = re.compile(r'<nav class="jf-sidebar.*?</nav>', re.S)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


# --- Reading a .po with the standard library --------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # 0 for a singular entry
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def where(self) -> str:
        return f"django.po:{self.line} msgid {self.msgid!r}"


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header, entries). Obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current = Entry()
    part: tuple[str, int] | None = None  # which string continuation lines extend

    def finish():
        nonlocal current, part
        if current.msgstr:
            entries.append(current)
        current, part = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if not line or (line.startswith("#") and current.msgstr):
            finish()
        if not line:
            continue
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert part is not None, f"django.po:{number}: a string outside an entry"
            text = ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in {"msgctxt", "msgid"} and current.msgstr:
                finish()
            match = re.fullmatch(r"(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?", keyword)
            assert match, f"django.po:{number}: unexpected {keyword!r}"
            part = (match.group(1), int(match.group(2) or 0))
            text = ast.literal_eval(rest.strip())
            if part[0] == "msgstr":
                current.msgstr[part[1]] = ""
            else:
                setattr(current, part[0], "")
            if part[0] == "msgid":
                current.line = number
        name, index = part
        if name == "msgstr":
            current.msgstr[index] += text
        else:
            setattr(current, name, getattr(current, name) + text)
    finish()
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return header, [e for e in entries if e is not header]


@pytest.fixture(scope="module")
def catalogue():
    return read_po(PO)


# --- The catalogue ----------------------------------------------------------------------------


def test_catalogue_header(catalogue):
    header, entries = catalogue
    meta = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    assert meta["Language"] == "en"
    assert "charset=UTF-8" in meta["Content-Type"]
    assert meta["Plural-Forms"].startswith("nplurals=2;")
    assert "fuzzy" not in header.flags
    assert len(entries) > 300  # the parser found the catalogue, not a stub


def test_every_entry_is_translated(catalogue):
    _, entries = catalogue
    problems = []
    for e in entries:
        forms = 2 if e.msgid_plural is not None else 1
        if "fuzzy" in e.flags:
            problems.append(f"{e.where}: fuzzy")
        if sorted(e.msgstr) != list(range(forms)):
            problems.append(f"{e.where}: expected {forms} msgstr forms, found {sorted(e.msgstr)}")
        # Only "" is untranslated to gettext. A deliberate " " is allowed: the English for a
        # suffix such as 年 in "2025年" is nothing.
        problems += [f"{e.where}: empty msgstr[{i}]" for i, s in e.msgstr.items() if s == ""]
    assert not problems, "Translate these in django.po:\n" + "\n".join(problems)


def test_translations_keep_placeholders(catalogue):
    _, entries = catalogue
    problems = []
    for e in entries:
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        for i, s in e.msgstr.items():
            # English singular may spell out "one" instead of the number; names must still match.
            got = sorted(PLACEHOLDER.findall(s))
            if got != wanted and not (
                e.msgid_plural is not None and i == 0 and set(got) <= set(wanted)
            ):
                problems.append(f"{e.where}: msgstr[{i}] has {got}, msgid has {wanted}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_po(catalogue):
    """The .mo is committed (a machine without gettext still shows English): it must be rebuilt
    whenever the .po changes."""
    _, entries = catalogue
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in entries:
        if e.msgid_plural is not None:
            got = [mo.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr.get(0), e.msgstr.get(1)]
        elif e.msgctxt is not None:
            got, want = mo.pgettext(e.msgctxt, e.msgid), e.msgstr.get(0)
        else:
            got, want = mo.gettext(e.msgid), e.msgstr.get(0)
        if got != want:
            stale.append(e.where)
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale[:20])


def test_catalogue_lists_every_string_in_the_source(catalogue, tmp_path, monkeypatch):
    """makemessages on a copy of the source finds no msgid the committed catalogue lacks.
    It needs GNU gettext, which `make test` installs when it is missing."""
    assert shutil.which("xgettext"), "GNU gettext is needed: install the 'gettext' package"
    _, entries = catalogue
    copy = tmp_path / "src"
    for path in PROJECT.rglob("*"):
        relative = path.relative_to(PROJECT)
        if (
            path.is_file()
            and path.suffix in {".py", ".html", ".txt"}
            and relative.parts[0] not in {"locale", "static"}
            and "__pycache__" not in relative.parts
        ):
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy / relative)
    locale = tmp_path / "locale"
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[str(locale)]):
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    _, fresh = read_po(locale / "en" / "LC_MESSAGES" / "django.po")
    have = {(e.msgctxt, e.msgid) for e in entries}
    missing = sorted(m for c, m in {(e.msgctxt, e.msgid) for e in fresh} - have)
    assert not missing, "New strings are not in django.po; run `make messages` and translate:\n" + (
        "\n".join(missing)
    )


# --- The pages --------------------------------------------------------------------------------


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _sidebar(html: str) -> str:
    match = SIDEBAR.search(html)
    assert match, "the page has no sidebar"
    return match.group(0)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_login_page_in_english(client, db):
    html = _english(client).get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    for text in [
        "Grassroots Burden Reduction Monitor",
        "Sign in with your own account",
        "Username",
        "Password",
        "For authorised users only. All actions are recorded in the audit log.",
    ]:
        assert text in html
    assert "请使用本人账户登录" not in html


def test_login_page_in_chinese_without_cookie(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "基层减负监测平台" in html
    assert "请使用本人账户登录" in html
    assert "Sign in with your own account" not in html


def test_home_page_in_english(login, db):
    client = _english(login("sysadmin"))
    html = client.get(reverse("home")).content.decode()
    assert "Grassroots Burden Reduction Monitor" in html
    assert "Hello, sysadmin" in html
    assert "Data scope" in html
    assert "Your unit and all its subordinate units" in html
    assert "System administrator" in html  # the role badge
    sidebar = _text(_sidebar(html))
    for label in ["Home", "Units", "Accounts", "Administration"]:
        assert label in sidebar
    assert not HAN.findall(sidebar), f"Chinese left in the navigation: {HAN.findall(sidebar)}"


@pytest.mark.parametrize("username", ["office", "auditor", "secadmin", "contact_a", "reporter"])
def test_navigation_has_no_chinese_in_english(login, db, username):
    html = _english(login(username)).get(reverse("home")).content.decode()
    sidebar = _text(_sidebar(html))
    assert "Home" in sidebar
    assert not HAN.findall(sidebar), f"Chinese left in the navigation: {HAN.findall(sidebar)}"


def test_home_page_in_chinese_without_cookie(login, db):
    html = login("sysadmin").get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in html
    sidebar = _text(_sidebar(html))
    for label in ["首页", "单位", "账户", "管理"]:
        assert label in sidebar
    assert "Administration" not in sidebar


def test_language_switch_sets_english(login, db):
    client = login("office")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Hello, office" in html
    assert "Sign out" in html

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "退出登录" in client.get(reverse("home")).content.decode()


def test_english_messages_and_errors(client, db):
    """Strings from Python (form errors, security messages) follow the language too."""
    response = _english(client).post(
        reverse("login"), {"username": "office", "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
    )
    html = response.content.decode()
    assert "Incorrect username or password." in html
    assert "用户名或密码错误" not in html
