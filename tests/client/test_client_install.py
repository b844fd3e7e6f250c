"""The client installs alone into a plain virtual environment and imports nothing heavy."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
CHECK = (
    "import sys, optimizer_client as oc; "
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'flask', 'sklearn')); "
    "assert not heavy, heavy; "
    "assert oc.Client and oc.OptimizerError; print('ok')"
)


def run(*args: str) -> str:
    """Run a command, failing the test with its output when it fails."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_client_installs_into_a_fresh_venv_with_requests_only(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    python = str(env_dir / "bin" / "python")
    # Install from a copy so the build leaves nothing (build/, *.egg-info) in the checkout.
    source = tmp_path / "client"
    shutil.copytree(
        CLIENT, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    run(python, "-m", "pip", "install", "--quiet", str(source))
    assert run(python, "-c", CHECK).strip() == "ok"
    installed = run(python, "-m", "pip", "list", "--format=freeze").lower()
    for heavy in ("numpy", "flask", "scikit-learn", "scipy"):
        assert f"\n{heavy}==" not in "\n" + installed
    assert "requests==" in installed and "optimizer-client==" in installed
