"""What every browser test needs: Debian's Chromium, how to launch it here, and the front-end
libraries served — or a clear skip (a failure in CI, where both must be present)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
