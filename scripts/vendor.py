"""`make vendor`: refresh the dashboard's vendored JavaScript from the npm registry.

Takes each package with `npm pack` (no install, no build), copies the one file the pages
load and the licence texts into optimizer_api/web/static/vendor/, and rewrites VENDOR.md
there with the versions, licences, the registry's integrity hashes and each file's sha256.
Files are copied unchanged but for the PATCHES below, each applied exactly once or the
refresh fails. Override a version with ECHARTS_VERSION=... or REDOC_VERSION=...
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "optimizer_api" / "web" / "static" / "vendor"

# Redoc stays on 2.x: 3.x is twice the size, an ES module only, and sends usage telemetry
# unless told not to; the docs page must make no request beyond this service.
PACKAGES = {
    "echarts": {
        "version": os.environ.get("ECHARTS_VERSION", "6.1.0"),
        "licence": "Apache-2.0",
        "files": {
            "dist/echarts.min.js": "echarts.min.js",
            "LICENSE": "echarts.LICENSE.txt",
            "NOTICE": "echarts.NOTICE.txt",
            "licenses/LICENSE-d3": "echarts.LICENSE-d3.txt",
        },
    },
    "redoc": {
        "version": os.environ.get("REDOC_VERSION", "2.5.4"),
        "licence": "MIT (bundled third-party notices in redoc.standalone.js.LICENSE.txt)",
        "files": {
            "bundles/redoc.standalone.js": "redoc.standalone.js",
            "bundles/redoc.standalone.js.LICENSE.txt": "redoc.standalone.js.LICENSE.txt",
            "LICENSE": "redoc.LICENSE.txt",
        },
    },
}


# (file, text, replacement, why): the pages must make no request beyond this service.
PATCHES = [
    ("redoc.standalone.js", "https://cdn.redoc.ly/redoc/logo-mini.svg", "",
     "the sidebar's Redocly logo is an image on Redocly's CDN; an empty source makes Redoc "
     "hide it without a request (the 'API docs by Redocly' link stays)"),
]


def pack(name: str, version: str, into: Path) -> tuple[Path, str]:
    """Download name@version's tarball; return its folder and the registry's integrity."""
    out = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(into), f"{name}@{version}"],
        check=True, capture_output=True, text=True,
    )
    meta = json.loads(out.stdout)[0]
    folder = into / name
    with tarfile.open(into / meta["filename"]) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package", meta["integrity"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        shutil.rmtree(VENDOR, ignore_errors=True)
        VENDOR.mkdir(parents=True)
        for name, pkg in PACKAGES.items():
            src, integrity = pack(name, pkg["version"], Path(tmp))
            for inside, target in pkg["files"].items():
                shutil.copyfile(src / inside, VENDOR / target)
                rows.append((name, pkg, integrity, inside, target))
    for target, text, replacement, _ in PATCHES:
        body = (VENDOR / target).read_text("utf-8")
        if body.count(text) != 1:
            raise SystemExit(f"patch for {target} no longer applies: {text!r} found "
                             f"{body.count(text)} times; review PATCHES in {__file__}")
        (VENDOR / target).write_text(body.replace(text, replacement), "utf-8")
    write_notes(rows)
    print(f"vendored into {VENDOR.relative_to(ROOT)}:")
    print((VENDOR / "VENDOR.md").read_text())


def write_notes(rows) -> None:
    lines = [
        "# Vendored JavaScript",
        "",
        "Copied from the npm registry's tarballs by `make vendor` (scripts/vendor.py);",
        "do not edit these files by hand. Changed from the tarball (sha256 below is after):",
        "",
        *(f"- {file}: `{text}` replaced by `{new}`: {why}." for file, text, new, why in PATCHES),
        "",
        "| package | version | licence | npm integrity |",
        "|---|---|---|---|",
    ]
    seen = set()
    for name, pkg, integrity, _, _ in rows:
        if name not in seen:
            seen.add(name)
            lines.append(f"| {name} | {pkg['version']} | {pkg['licence']} | `{integrity}` |")
    lines += ["", "| file | from | sha256 |", "|---|---|---|"]
    for name, _, _, inside, target in rows:
        lines.append(f"| {target} | {name}/{inside} | `{sha256(VENDOR / target)}` |")
    (VENDOR / "VENDOR.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
