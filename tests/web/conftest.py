"""The dashboard in a real headless Chromium (Debian's), against a real gunicorn.

Outside CI the browser tests skip when /usr/bin/chromium (or OPTIMIZER_TEST_CHROMIUM) or
playwright is missing; under CI=true they fail instead. One gunicorn and one browser serve
the whole package; screenshots go to build/test-artifacts/ (or OPTIMIZER_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer_api.devserver import Gunicorn

from ..conftest import IN_CI, sqlite_url
from .seed import seed_demo

CHROMIUM = Path(os.environ.get("OPTIMIZER_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("OPTIMIZER_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))


def _need_browser() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests to run: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="package")
def store_url(tmp_path_factory) -> str:
    """The SQLite file the package's gunicorn serves (benchmarks/seed_study.py writes to it)."""
    return sqlite_url(tmp_path_factory.mktemp("web") / "web.db")


@pytest.fixture(scope="package")
def server(store_url, tmp_path_factory) -> Iterator[str]:
    """gunicorn (2 workers) on a fresh SQLite file, for every test of the package."""
    log_dir = tmp_path_factory.mktemp("gunicorn")
    with Gunicorn(store_url, workers=2, log_dir=log_dir) as gunicorn:
        yield gunicorn.url


@pytest.fixture(scope="package")
def demo(server) -> dict:
    """A study with completed, pruned, failed and running trials (see seed.py)."""
    return seed_demo(server)


@pytest.fixture(scope="package")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A page whose console must stay free of errors and which may reach only `server`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    errors: list[str] = []
    outside: list[str] = []

    def route(route):
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: m.type == "error" and errors.append(_describe(m)))
    tab.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    tab.console_errors = errors
    yield tab
    context.close()
    assert not outside, f"the page tried to reach beyond the service: {outside}"
    assert not errors, f"browser console errors: {errors}"


def _describe(message) -> str:
    return f"{message.text} ({message.location.get('url', '')})"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# The top bar is sticky: a full-page capture of a scrolled page would draw it where the
# view was, in the middle of the picture. Captured in its place at the top instead.
STATIC_BAR = ".topbar { position: static !important; }"


def screenshot(target, path: Path, **options) -> None:
    """Save what a person sees of a page or a locator (page.screenshot's `options`): a
    capture of the viewport keeps the bar at its top, as the person sees it; a full page
    or an element has it at the top of the page, not over what it captures."""
    whole = options.get("full_page") or not hasattr(target, "goto")
    target.screenshot(path=path, style=STATIC_BAR if whole else None, **options)


def bar_rows(browser, png: bytes) -> list[int]:
    """The rows of a PNG the top bar's colour fills (#24292f at two points right of the
    nav), decoded by Chromium in a blank page of its own."""
    import base64

    blank = browser.new_page()
    try:
        return blank.evaluate("""async (data) => {
            const img = new Image();
            img.src = `data:image/png;base64,${data}`;
            await img.decode();
            const canvas = new OffscreenCanvas(img.width, img.height);
            const ctx = canvas.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const columns = [img.width - 40, img.width - 300].map(
                (x) => ctx.getImageData(x, 0, 1, img.height).data);
            const dark = (px, y) =>
                px[4 * y] === 0x24 && px[4 * y + 1] === 0x29 && px[4 * y + 2] === 0x2f;
            return [...Array(img.height).keys()].filter((y) => columns.every((c) => dark(c, y)));
        }""", base64.b64encode(png).decode())
    finally:
        blank.close()


def wait_for(page, expression: str, timeout: float = 30_000) -> None:
    """Wait until `expression` (or arrow function) is truthy in the page.

    Playwright's wait_for_function polls with eval, which the pages' Content-Security-
    Policy forbids (as it should); page.evaluate goes through the DevTools protocol,
    which the policy does not govern.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(50)
