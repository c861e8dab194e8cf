"""A real browser for the tests that look at a page as a person would: Playwright (a test
dependency, in the project's own environment) driving the system's Chromium.

Playwright's own browser download is never used: Chromium is the distribution's package, found on
the PATH (`make test` installs Debian's `chromium` when it is missing), or named by
`JIANFU_CHROMIUM`. `JIANFU_PLAYWRIGHT_PYTHON` may name another Python with Playwright for the tests
that run the browser in a subprocess; by default it is the interpreter running the tests. A machine
without Playwright or Chromium skips these tests and says which is missing; where
`JIANFU_BROWSER_REQUIRED=1` (CI) they run regardless, and fail.

`Visit` is the page object of the in-process tests: one person's browser window on the live
server, which records what a person would not see but must never happen — an error in the console
(a script failing, a style or script the Content-Security-Policy refused), a request to any host
other than the server's (refused, so nothing leaves the machine), a server error, and a page wider
than the window.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PASSWORD = "Jianfu@2025"  # noqa: S105 - the test city's shared password

PYTHON = os.environ.get("JIANFU_PLAYWRIGHT_PYTHON") or sys.executable
CHROMIUM = os.environ.get("JIANFU_CHROMIUM") or shutil.which("chromium") or ""
# CI sets this: there a missing browser is a failure, never a skip.
REQUIRED = os.environ.get("JIANFU_BROWSER_REQUIRED") == "1"


def missing(*, in_process: bool = False) -> str:
    """What this machine lacks for a real browser, in words; empty when nothing."""
    lacks = []
    if in_process or sys.executable == PYTHON:
        if importlib.util.find_spec("playwright") is None:
            lacks.append("Playwright in this Python (pip install -e '.[test]')")
    elif not os.path.exists(PYTHON):
        lacks.append(f"the Python JIANFU_PLAYWRIGHT_PYTHON names ({PYTHON})")
    if not CHROMIUM:
        lacks.append("Chromium (apt-get install chromium; `make test` installs it)")
    return " and ".join(lacks)


def _marker(lacks: str):
    return pytest.mark.skipif(bool(lacks) and not REQUIRED, reason=f"a real browser needs {lacks}")


# Tests that run the browser in a subprocess (browser.PYTHON), and those that drive it here.
needed = _marker(missing())
needed_here = _marker(missing(in_process=True))

DESK, PHONE = 1366, 375
# Where screenshots of every page a journey reaches are kept, to look at; none when unset.
SHOTS = os.environ.get("JIANFU_BROWSER_SHOTS", "")


def launch(playwright):
    """The system's Chromium. CI runs as root in a container: no sandbox there, and no use of
    its small /dev/shm."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )


class Visit:
    """One person's browser window on the live server at `width` pixels, in Chinese and in the
    city's time zone. Confirmation dialogs are accepted, as the person would. What must never
    happen is collected as it happens and read with `faults()`."""

    def __init__(self, chromium, base_url: str, width: int, name: str = "visit"):
        self.base_url, self.width, self.name = base_url.rstrip("/"), width, name
        self.host = urlsplit(self.base_url).netloc
        phone = width < 768
        self.context = chromium.new_context(
            viewport={"width": width, "height": 800 if phone else 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            is_mobile=phone,
            has_touch=phone,
        )
        self.recorded: list[str] = []
        self.shots = 0
        # Every request of every page passes here: one for another host never leaves.
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.recorded.append(f"script error: {error}"))
        self.page.on("response", self._response)
        self.page.on("dialog", lambda dialog: dialog.accept())

    # --- What is recorded ------------------------------------------------------------------

    def _route(self, route) -> None:
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            self.recorded.append(f"request outside the server: {route.request.url}")
            route.abort("blockedbyclient")

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.recorded.append(f"console error: {message.text} ({where})")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.recorded.append(f"server error {response.status}: {response.url}")

    def arrived(self) -> "Visit":
        """After each page: is it wider than the window (sideways scrolling)? Keep a screenshot
        when asked to (JIANFU_BROWSER_SHOTS)."""
        self.page.wait_for_load_state()
        wider = self.page.evaluate(
            "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
        )
        if wider > 0:
            self.recorded.append(f"sideways scrolling: {self.page.url} is {wider} px too wide")
        if SHOTS:
            self.shots += 1
            path = Path(SHOTS) / f"{self.name}-{self.shots:02d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(path), full_page=True)
        return self

    def faults(self) -> list[str]:
        return list(self.recorded)

    # --- What a person does ----------------------------------------------------------------

    def open(self, path: str) -> "Visit":
        self.page.goto(self.base_url + path)
        return self.arrived()

    def log_in(self, username: str, password: str = PASSWORD) -> "Visit":
        """The login form, as a person fills it: the one place that knows the login's steps (a
        second factor's code is entered here too, when the account has one)."""
        self.open("/login/")
        self.fill("用户名", username)
        self.fill("密码", password)
        return self.press("登录")

    def fill(self, label: str, value: str) -> "Visit":
        self.page.get_by_label(label, exact=True).fill(value)
        return self

    def choose(self, label: str, option: str) -> "Visit":
        self.page.get_by_label(label, exact=True).select_option(label=option)
        return self

    def tap(self, locator) -> "Visit":
        """Tap (click) what leads to another page, and wait for it."""
        with self.page.expect_navigation():
            locator.click()
        return self.arrived()

    def press(self, button: str, *, within=None) -> "Visit":
        where = self.page if within is None else within
        return self.tap(where.get_by_role("button", name=button, exact=True))

    def follow(self, link, *, within=None, exact: bool = True) -> "Visit":
        where = self.page if within is None else within
        return self.tap(where.get_by_role("link", name=link, exact=exact).first)

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).inner_text()

    def close(self) -> None:
        self.context.close()
