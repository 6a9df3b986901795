"""Module authors' starting points: the ``kitwork new-module`` scaffold and the tutorial's module.

Each is pip-installed into a private folder and its own tests run in a
subprocess, as its author would run them; ``KITWORK_TEST_DATABASE_URL``
passes through, so they run on the suite's backend.
"""
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import cli

TUTORIAL_MODULE = Path(__file__).resolve().parents[2] / "docs" / "tutorial" / "sale_min_quantity"


def install_and_test(root, tmp_path):
    """pip-install the package at ``root`` and run its tests; return pytest's output."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-cache-dir", "--target", str(site), str(root)], check=True, cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                            cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_new_module_installs_and_its_tests_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert cli.main(["new-module", "scaffolded", "--depends", "sale"], out=out) == 0
    root = tmp_path / "scaffolded"
    assert "pip install -e" in out.getvalue()
    assert 'scaffolded = "scaffolded"' in (root / "pyproject.toml").read_text()
    assert 'depends = ["sale"]' in (root / "scaffolded" / "manifest.toml").read_text()
    assert (root / "scaffolded" / "migrations").is_dir()
    assert "1 passed" in install_and_test(root, tmp_path)


def test_the_tutorial_module_installs_and_its_tests_pass(tmp_path):
    root = shutil.copytree(TUTORIAL_MODULE, tmp_path / "sale_min_quantity",
                           ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    assert "3 passed" in install_and_test(root, tmp_path)


@pytest.mark.parametrize("argv, message", [
    (["new-module", "Bad-name"], "invalid module name"),
    (["new-module", "sale"], "already exists"),
    (["new-module", "extra_thing", "--depends", "nope"], "unknown module 'nope'"),
])
def test_new_module_refuses_bad_names(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 1
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
