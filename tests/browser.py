"""What every browser test shares: Debian's chromium launched through Playwright, the staff
password of tests.factories, signing in, and screenshots on request.

A browser test module imports the launch fixture (pytest finds fixtures by name in the module)::

    from tests.browser import PASSWORD, browser_type_launch_args, sign_in  # noqa: F401

and sets its own ``browser_context_args`` (``CHINESE_SCREEN`` for staff in Chinese at
1440 × 900). ``BROWSER_SCREENSHOTS=/some/dir`` keeps a screenshot of each page ``shot`` is
called on, to look at by eye."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No network of its own (updates, sync, QUIC probes): the test talks only to the live server.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "pass-for-tests-1"  # tests.factories.UserFactory
# Staff in Chinese at 1440 × 900, Beijing time: merge into a module's browser_context_args.
CHINESE_SCREEN = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                  "viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium (``playwright install`` cannot download)."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS,
        "headless": True,
    }


def sign_in(page, live_server, user, next_url: str = "/admin/") -> None:
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()


def shot(page, name: str) -> None:
    folder = os.environ.get("BROWSER_SCREENSHOTS") or os.environ.get("WORKBENCH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
