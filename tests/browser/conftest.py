"""Real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against the live server.

Screenshots go to test-artifacts/screenshots/. Without Chromium the tests skip with the
reason outside CI; under CI=true a skip fails the run (tests/conftest.py).
"""
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still synchronous, so Django's async-safety guard must not stop them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def shoot(page, request):
    """``shoot("step")`` saves a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def tenant_url(live_server, tenant, path: str = "/") -> str:
    """The live server's address on ``tenant``'s host (Chromium resolves *.localhost itself)."""
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://{tenant.host}:{port}{path}"
