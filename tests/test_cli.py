"""The installed ``treaty`` command, driven in a subprocess as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLES

TREATY = shutil.which("treaty", path=str(Path(sys.executable).parent)) or "treaty"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TREATY, *args], input=stdin.decode() if stdin else None, capture_output=True,
                          text=True, timeout=60)


def test_parse_prints_yaml_tree() -> None:
    result = run("parse", str(EXAMPLES / "1961-ussr-dprk-treaty.txt"))
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert data["schema_version"] == "1.0"
    assert [n["id"] for n in data["nodes"] if n["kind"] == "article"] == ["art1", "art2", "art3", "art4", "art5"]


def test_parse_json_from_stdin(tmp_path: Path) -> None:
    result = run("parse", "--format", "json", "-", stdin=b"Article IV\n\nThe Parties shall consult.\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["nodes"][0]["id"] == "art4"


def test_parse_writes_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    result = run("parse", str(EXAMPLES / "2024-russia-dprk-kcna.txt"), "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert yaml.safe_load(out.read_text())["mode"] == "prose"


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing.txt", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "empty.txt", (d / "empty.txt").write_bytes(b""))[0], "empty input"),
    (lambda d: (d / "bin.dat", (d / "bin.dat").write_bytes(b"\x00\x01\x02binary"))[0], "binary file"),
])
def test_bad_input_is_one_line_exit_1(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    path = make(tmp_path)
    result = run("parse", str(path))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stderr.startswith(str(path))
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2() -> None:
    result = run("parse", "--format", "pdf", str(EXAMPLES / "1961-ussr-dprk-treaty.txt"))
    assert result.returncode == 2


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and "treaty" in result.stdout
