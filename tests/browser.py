"""Browser fixtures: the built site served on 127.0.0.1 and one headless Chromium per test session.

Use them in a test module with ``from .browser import browser, new_page, site_url  # noqa: F401``.
Chromium is the distribution's headless shell (/usr/bin/chromium-headless-shell, installed by .ci/setup test),
else its full browser (/usr/bin/chromium); Playwright never downloads a browser. Without either the browser
tests are skipped, except on CI (CI=true), where they fail.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

# The headless shell is the same Chromium without the desktop browser around it: it renders, runs scripts and
# handles input alike, and measured on the browser-heavy tests it took a fifth less CPU (Playwright, too,
# runs headless tests in it by default). The full browser is the fallback on a machine that has only it.
CHROMIUM_BUILDS = (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
# The last line saves about an eighth of Chromium's CPU time, which is half the suite's: no GPU process of its
# own, and no process per site (the tests visit one origin). No --disable-features here: Chromium takes only
# the last one, and Playwright passes its own list (among them the features that would call Google's hosts).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--in-process-gpu", "--disable-site-isolation-trials"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on a free port of 127.0.0.1; yields the base URL (ending in /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _unavailable(request: pytest.FixtureRequest, reason: str) -> None:
    """Skip (with the reason printed) or, on CI, fail: CI must run the browser tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line(f"\nbrowser tests skipped: {reason}")
    pytest.skip(reason)


_BROWSER = pytest.StashKey()


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest):
    """One headless Chromium for the whole test session.

    Each test module imports this fixture, which gives pytest one fixture per module; the browser itself
    is kept on the pytest config so that all of them share it (Playwright allows one instance per thread).
    """
    stash = request.config.stash
    if _BROWSER not in stash:
        chromium_path = next((path for path in CHROMIUM_BUILDS if path.is_file()), None)
        if chromium_path is None:
            _unavailable(request, "neither of /usr/bin/chromium-headless-shell and /usr/bin/chromium is installed "
                                  "(install the 'chromium-headless-shell' package)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            _unavailable(request, "the Python package 'playwright' is missing (pip install -e '.[test]')")
        playwright = sync_playwright().start()
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        stash[_BROWSER] = chromium

        def stop() -> None:
            chromium.close()
            playwright.stop()

        request.config.add_cleanup(stop)
    return stash[_BROWSER]


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The base URL under which the shipped content's built site is served."""
    with serve(built_site) as url:
        yield url


@pytest.fixture
def new_page(browser) -> Iterator[Callable]:
    """Open a page in a fresh browser context: ``new_page(viewport=PHONE, java_script_enabled=False)``.

    Each call gets its own context (own history and storage); all are closed after the test.
    """
    contexts = []

    def open_page(**options):
        options.setdefault("viewport", DESKTOP)
        options.setdefault("service_workers", "block")
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
