"""What every browser test needs: Debian's Chromium, how to launch it here, and the front-end
libraries served — or a clear skip (a failure in CI, where both must be present)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_browser() -> None:
    """Chromium installed and the vendored front-end libraries in place (copied if need be)."""
    from crimelink.web import vendor

    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not vendor.vendored():
        try:
            vendor.copy_vendor(node_modules=vendor.find_node_modules())
        except vendor.VendorMissing as error:
            missing(f"front-end libraries missing: {error.message}")


@contextmanager
def logged_in(url: str, username: str, password: str, *, start: str = "/") -> Iterator[tuple[Page, list[str]]]:
    """A Chromium page logged in as ``username`` (through the login form ``start`` leads to),
    and the list the page's script errors are collected in: a test asserts it stays empty."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1360, "height": 900})
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(url + start)
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            yield page, problems
        finally:
            chromium.close()
