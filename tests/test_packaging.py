"""Installing crimelink as a package: the wheel carries the web app's front-end files (or is not
built), the app refuses to start without them, and an optional part that is not installed names
the extra to install.

The whole journey from a plain install (wheel, no extras, fresh virtualenv) is
``scripts/check-plain-install.sh``, run by ``.ci/run`` after the suite.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from crimelink.extras import MissingExtra
from crimelink.reports.package import package_pdf
from crimelink.web import vendor
from crimelink.web.views.oidc import load_providers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def backend() -> ModuleType:
    """``scripts/crimelink_build.py``, the build backend pyproject.toml names."""
    spec = importlib.util.spec_from_file_location("crimelink_build", REPO / "scripts" / "crimelink_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def source_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A source tree to build from, with no front-end files copied yet (the build runs in it)."""
    (tmp_path / "src" / "crimelink" / "web").mkdir(parents=True)
    shutil.copy(REPO / "src" / "crimelink" / "web" / "vendor.py", tmp_path / "src" / "crimelink" / "web")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_app_refuses_to_start_without_its_front_end_files_and_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(vendor.VendorMissing) as refused:
        vendor.require_vendored(tmp_path)
    assert refused.value.details["missing"] == [a.target for a in vendor.ASSETS]
    assert "htmx.min.js" in refused.value.message
    assert "make setup" in refused.value.message


def test_one_missing_front_end_file_is_named_alone(tmp_path: Path) -> None:
    if not vendor.vendored():
        pytest.skip("front-end files not copied here: make setup")
    shutil.copytree(vendor.VENDOR_DIR, tmp_path / "vendor")
    (tmp_path / "vendor" / "cytoscape.min.js").unlink()
    with pytest.raises(vendor.VendorMissing) as refused:
        vendor.require_vendored(tmp_path / "vendor")
    assert refused.value.details["missing"] == ["cytoscape.min.js"]


def test_a_wheel_is_not_built_without_the_front_end_files(backend: ModuleType, source_tree: Path) -> None:
    with pytest.raises(backend.FrontEndMissing, match=r"htmx\.min\.js.*npm install"):
        backend.ensure_vendored()


def test_a_wheel_build_copies_the_front_end_files_from_node_modules(backend: ModuleType, source_tree: Path) -> None:
    for asset in vendor.ASSETS:  # what `npm install` leaves, each file a stand-in
        source = source_tree / "node_modules" / asset.package / asset.source
        if asset.source.endswith("/"):
            source.mkdir(parents=True, exist_ok=True)
            (source / "marker-icon.png").write_bytes(b"png")
        else:
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_text(asset.target)
    backend.ensure_vendored()
    copied = source_tree / "src" / "crimelink" / "web" / "static" / "vendor"
    assert vendor.missing_assets(copied) == []
    assert (copied / "leaflet" / "images" / "marker-icon.png").read_bytes() == b"png"


def test_a_built_wheel_without_every_front_end_file_is_refused(backend: ModuleType, tmp_path: Path) -> None:
    targets = [a.target for a in vendor.ASSETS]
    whole, short = tmp_path / "whole.whl", tmp_path / "short.whl"
    with zipfile.ZipFile(whole, "w") as archive:
        for target in targets:
            archive.writestr(backend.PACKAGE_VENDOR + target + ("marker-icon.png" if target.endswith("/") else ""), "")
    backend.check_wheel(whole, targets)
    with zipfile.ZipFile(short, "w") as archive:
        archive.writestr(backend.PACKAGE_VENDOR + "htmx.min.js", "")
    with pytest.raises(backend.FrontEndMissing, match=r"leaflet/images/.*package-data"):
        backend.check_wheel(short, targets)


def test_a_pdf_without_the_pdf_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if not installed: import raises ImportError
    with pytest.raises(MissingExtra) as refused:
        package_pdf("<p>package</p>", stylesheet="")
    assert "pip install 'crimelink[pdf]'" in refused.value.message
    assert refused.value.status_code == 501


def test_single_sign_on_without_the_oidc_extra_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "authlib", None)
    providers = tmp_path / "providers.json"
    providers.write_text("{}")
    with pytest.raises(MissingExtra, match=r"pip install 'crimelink\[oidc\]'"):
        load_providers(str(providers))
