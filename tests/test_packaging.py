"""The built wheel carries the grammar folder and works outside the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    try:
        import hatchling  # noqa: F401 - the build backend, installed with the test extra
    except ImportError:  # pragma: no cover
        pytest.skip("hatchling (the build backend) is not installed; pip install -e '.[test]'")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (path,) = out.glob("treaty_clauses-*.whl")
    return path


def test_wheel_contains_grammar_and_vocabularies(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in sorted((ROOT / "grammar").rglob("*")):
        if data.is_file():
            assert f"treaty/grammar/{data.relative_to(ROOT / 'grammar').as_posix()}" in names
    assert "treaty/__init__.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_parses_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import treaty, treaty.resources as r; "
            "a = treaty.parse('Article IV\\n\\nThe Parties shall consult.\\n'); "
            "print(r.grammar_dir().parent.name, [n.id for n in a.walk()])")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(site), "PATH": ""}, check=True)
    assert result.stdout.strip() == "treaty ['art4']"
