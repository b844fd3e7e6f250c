"""The dashboard's server side, without a browser: pages, 404s, vendored files, packaging."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "optimizer_api" / "web"
VENDOR = WEB / "static" / "vendor"


@pytest.fixture
def study_id(http) -> int:
    body = {"name": "page-test", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    return http.post("/v1/studies", json=body).get_json()["id"]


def test_list_and_docs_pages_are_html_that_load_our_scripts(http):
    studies = http.get("/")
    assert studies.status_code == 200 and studies.mimetype == "text/html"
    assert b"/assets/js/studies.js" in studies.data
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert b"/assets/vendor/redoc.standalone.js" in docs.data
    assert b'data-spec-url="/openapi.yaml"' in docs.data


def test_study_page_names_the_study(http, study_id):
    page = http.get(f"/studies/{study_id}")
    assert page.status_code == 200
    assert b"<title>page-test" in page.data
    assert f'data-study-id="{study_id}"'.encode() in page.data
    assert b"/assets/vendor/echarts.min.js" in page.data


@pytest.mark.parametrize("ident", ["999", "0", "abc", "1.5", "99999999999999999999999", "٣"])
def test_unknown_study_is_an_html_404_page(http, ident):
    page = http.get(f"/studies/{ident}")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert b"Study not found" in page.data


def test_the_api_keeps_answering_json_404s(http):
    answer = http.get("/v1/studies/999")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_assets_are_served(http):
    for path in ("js/study.js", "css/dashboard.css", "vendor/echarts.min.js", "favicon.svg"):
        with http.get(f"/assets/{path}") as answer:
            assert answer.status_code == 200, path


def _vendor_rows() -> list[tuple[str, str]]:
    text = (VENDOR / "VENDOR.md").read_text()
    return re.findall(r"^\| (\S+) \| \S+ \| `([0-9a-f]{64})` \|$", text, re.M)


def test_vendored_files_are_the_ones_vendor_md_records():
    rows = _vendor_rows()
    assert {name for name, _ in rows} | {"VENDOR.md"} == {p.name for p in VENDOR.iterdir()}
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_vendored_versions_are_the_pinned_ones():
    spec = importlib.util.spec_from_file_location("vendor", ROOT / "scripts" / "vendor.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pinned = {name: pkg["version"] for name, pkg in script.PACKAGES.items()}
    notes = (VENDOR / "VENDOR.md").read_text()
    for name, version in pinned.items():
        assert f"| {name} | {version} |" in notes
    assert f'version="{pinned["echarts"]}"' in (VENDOR / "echarts.min.js").read_text()
    redoc_notices = (VENDOR / "redoc.standalone.js.LICENSE.txt").read_text()
    assert f'Version: "{pinned["redoc"]}"' in redoc_notices


def test_readme_names_the_vendored_versions():
    readme = (ROOT / "README.md").read_text()
    notes = (VENDOR / "VENDOR.md").read_text()
    for label, name in (("Apache ECharts", "echarts"), ("Redoc", "redoc")):
        version = re.search(rf"^\| {name} \| ([\d.]+) \|", notes, re.M).group(1)
        assert re.search(rf"\[{label}\]\([^)]*\)\s+{re.escape(version)}\s+\(", readme), name


def test_every_web_file_ships_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["optimizer_api"]
    packaged = {p for pattern in patterns for p in (ROOT / "optimizer_api").glob(pattern)}
    files = {p for d in ("static", "templates") for p in (WEB / d).rglob("*") if p.is_file()}
    assert files and files <= packaged, sorted(str(p) for p in files - packaged)
