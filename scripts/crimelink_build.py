"""crimelink's build backend: setuptools, and a wheel that always carries the web app's front-end files.

The front-end libraries (htmx, Leaflet, Cytoscape, Chart.js, swagger-ui) are not committed: npm
fetches them and ``python -m crimelink.web.vendor`` copies them into the git-ignored
``src/crimelink/web/static/vendor/``. A wheel built from a clone that skipped that step would
install a web app with no scripts, so building one copies them from ``./node_modules`` when they
are missing, and fails, saying what to run, when they still are; the finished wheel is opened and
checked too. Named in ``pyproject.toml`` as the ``build-backend`` (``backend-path = ["scripts"]``).
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403 - the rest of the PEP 517 hooks, unchanged

VENDOR_SOURCE = Path("src/crimelink/web/vendor.py")
PACKAGE_VENDOR = "crimelink/web/static/vendor/"
HOW_TO_FIX = "run `npm install --no-audit --no-fund` then `python -m crimelink.web.vendor` (or `make setup`)"


class FrontEndMissing(RuntimeError):
    """A wheel would lack front-end files the web app loads."""


def _vendor_module() -> ModuleType:
    """``crimelink.web.vendor`` read from the source tree, without importing the web app (or its
    dependencies, which the build environment does not have): its list of assets is the one truth."""
    sys.path.insert(0, str(Path("src").resolve()))  # for crimelink.errors, which needs nothing else
    try:
        spec = importlib.util.spec_from_file_location("crimelink_vendor_for_build", VENDOR_SOURCE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


def ensure_vendored() -> None:
    """The front-end files in ``static/vendor/``, copied from ``./node_modules`` if need be."""
    vendor = _vendor_module()
    if vendor.vendored():
        return
    if Path("node_modules").is_dir():
        try:
            vendor.copy_vendor(node_modules=Path("node_modules").resolve())
        except vendor.VendorMissing as error:
            raise FrontEndMissing(f"cannot build crimelink: {error.message}") from error
    missing = vendor.missing_assets()
    if missing:
        raise FrontEndMissing(f"cannot build crimelink: the web app's front-end files are missing "
                              f"({', '.join(missing)}): {HOW_TO_FIX}")  # fmt: skip


def check_wheel(wheel: Path, targets: list[str]) -> None:
    """Fail unless ``wheel`` holds every front-end file (``targets``, paths inside static/vendor/)."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    prefixes = [PACKAGE_VENDOR + t for t in targets]
    missing = [p for p in prefixes if not (p in names or (p.endswith("/") and any(n.startswith(p) for n in names)))]
    if missing:
        raise FrontEndMissing(f"{wheel.name} lacks {', '.join(missing)}: the package-data rules in "
                              "pyproject.toml leave them out")  # fmt: skip


def build_wheel(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    ensure_vendored()
    name: str = build_meta.build_wheel(wheel_directory, config_settings, metadata_directory)
    check_wheel(Path(wheel_directory) / name, [a.target for a in _vendor_module().ASSETS])
    return name


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    ensure_vendored()  # a wheel built from the sdist has nowhere else to find them
    name: str = build_meta.build_sdist(sdist_directory, config_settings)
    return name
