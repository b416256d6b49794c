"""Front-end libraries, from npm into ``static/vendor/``, so pages work without the internet.

The libraries are not committed: ``package.json`` at the repository root pins them,
``npm install --no-audit --no-fund`` fetches them into ``node_modules/``, and this module
copies the few files the pages load (and each library's licence) into
``src/crimelink/web/static/vendor/`` (git-ignored). Node is needed only for that install;
running the app needs Python alone. Run ``python -m crimelink.web.vendor``.

A built wheel carries the copies (``scripts/crimelink_build.py`` copies them if need be and
refuses to build without them), and the app refuses to start without them
(:func:`require_vendored`): pages without their scripts would look broken, not say why.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from crimelink.errors import CrimelinkError

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True)
class Asset:
    package: str
    source: str  # path inside the package; a trailing "/" copies a folder
    target: str  # path inside static/vendor/


ASSETS: tuple[Asset, ...] = (
    Asset("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    Asset("chart.js", "dist/chart.umd.min.js", "chart.umd.min.js"),
    Asset("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    Asset("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    Asset("leaflet", "dist/images/", "leaflet/images/"),
    Asset("cytoscape", "dist/cytoscape.min.js", "cytoscape.min.js"),
    Asset("layout-base", "layout-base.js", "cytoscape/layout-base.js"),  # fcose's layout, in load order
    Asset("cose-base", "cose-base.js", "cytoscape/cose-base.js"),
    Asset("cytoscape-fcose", "cytoscape-fcose.js", "cytoscape/cytoscape-fcose.js"),
    Asset("cytoscape-svg", "cytoscape-svg.js", "cytoscape/cytoscape-svg.js"),  # a chart's SVG export
    Asset("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    Asset("swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"),
)
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license")


class VendorMissing(CrimelinkError):
    """``node_modules`` lacks a front-end library: run ``npm install`` first."""


def find_node_modules() -> Path:
    """``./node_modules`` if there is one, else the repository's (for an editable install)."""
    for candidate in (Path.cwd() / "node_modules", REPO_ROOT / "node_modules"):
        if candidate.is_dir():
            return candidate
    raise VendorMissing("no node_modules folder: run `npm install --no-audit --no-fund` in the repository first")


def copy_vendor(*, node_modules: Path, target: Path = VENDOR_DIR) -> list[Path]:
    """Copy every asset (and each package's licence) into ``target``; returns the files written."""
    missing = [f"{a.package}/{a.source}" for a in ASSETS if not (node_modules / a.package / a.source).exists()]
    if missing:
        raise VendorMissing(
            "node_modules lacks " + ", ".join(missing) + ": run `npm install --no-audit --no-fund`",
            missing=missing,
        )
    written: list[Path] = []
    for asset in ASSETS:
        source, dest = node_modules / asset.package / asset.source, target / asset.target
        if asset.source.endswith("/"):
            shutil.copytree(source, dest, dirs_exist_ok=True)
            written += sorted(p for p in dest.rglob("*") if p.is_file())
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            written.append(dest)
    for package in sorted({a.package for a in ASSETS}):
        for name in LICENCE_NAMES:
            licence = node_modules / package / name
            if licence.is_file():
                dest = target / "licences" / f"{package}.{name}"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(licence, dest)
                written.append(dest)
                break
    return written


def vendored(target: Path = VENDOR_DIR) -> bool:
    """Whether every asset is in place."""
    return not missing_assets(target)


def missing_assets(target: Path = VENDOR_DIR) -> list[str]:
    """The assets not in ``target``, by their path inside it."""
    return [a.target for a in ASSETS if not (target / a.target).exists()]


def require_vendored(target: Path = VENDOR_DIR) -> None:
    """Raise :class:`VendorMissing`, saying how to get them, unless every asset is in ``target``."""
    missing = missing_assets(target)
    if missing:
        raise VendorMissing(
            f"the web app's front-end files are missing from {target} ({', '.join(missing)}). "
            "In a clone: `make setup` (or `npm install --no-audit --no-fund` then "
            "`python -m crimelink.web.vendor`). Installed: reinstall crimelink from a wheel that "
            "carries them (`pip wheel .` in a clone refuses to build one that does not).",
            missing=missing,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crimelink.web.vendor", description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, help="where npm installed (default: ./node_modules)")
    parser.add_argument("--target", type=Path, default=VENDOR_DIR, help=f"where to copy (default: {VENDOR_DIR})")
    args = parser.parse_args(argv)
    try:
        written = copy_vendor(node_modules=args.node_modules or find_node_modules(), target=args.target)
    except CrimelinkError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"{len(written)} files copied into {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
