"""Reading input: encodings, and a clear error naming the file for everything that is not text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import treaty
from treaty import InputError
from treaty.source import decode, read_path

TEXT = "Article 1\n\nThe Parties shall co\u2011operate \u2014 \u201cin good faith\u201d. Caf\u00e9.\n"


@pytest.mark.parametrize("encoding,data", [
    ("utf-8", TEXT.encode("utf-8")),
    ("utf-8", b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
    ("utf-16", TEXT.encode("utf-16")),  # with BOM (little-endian here)
    ("utf-16", b"\xfe\xff" + TEXT.encode("utf-16-be")),
])
def test_unicode_encodings(encoding: str, data: bytes) -> None:
    source = decode(data, "t.txt")
    assert source.text == TEXT
    assert source.encoding == encoding
    assert source.warnings == []


def test_cp1252_fallback_warns_and_names_the_place() -> None:
    data = "Article 1\n\nThe Parties\u2019 caf\u00e9 \u2013 shall.\n".encode("cp1252")
    source = decode(data, "old.txt")
    assert source.encoding == "cp1252"
    assert "\u2019" in source.text and "\u2013" in source.text
    assert [(w[0], w[1]) for w in source.warnings] == [(3, 12)]  # the first byte that is not UTF-8


def test_cp1252_warning_reaches_the_agreement(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Article 1\n\nThe Parties\u2019 caf\u00e9 shall trade.\n".encode("cp1252"))
    agreement = treaty.load(path)
    (diag,) = [d for d in agreement.diagnostics if d.code == "encoding"]
    assert (diag.line, diag.column, diag.severity) == (3, 12, "warning")
    assert diag.format(str(path)).startswith(f"{path}:3:12: warning: not valid UTF-8")


def test_load_reads_files_and_streams(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(TEXT.encode("utf-16"))
    a = treaty.load(path)
    assert a.source.encoding == "utf-16" and a.source.name == str(path)
    b = treaty.load(io.BytesIO(TEXT.encode("utf-8")))
    assert [n.id for n in a.walk()] == [n.id for n in b.walk()] == ["art1"]


@pytest.mark.parametrize("data,message", [
    (b"", "empty input"),
    (b"  \n\t\n", "empty input"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "binary file"),
    (bytes(range(0, 32)) * 20, "binary file"),
])
def test_bad_bytes_get_clear_errors(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        treaty.load(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_binary_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bin.dat"
    path.write_bytes(b"line one\nab\x00cd")
    with pytest.raises(InputError) as info:
        treaty.load(path)
    assert str(info.value).startswith(f"{path}:2:3: binary file")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        treaty.load(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        treaty.load(tmp_path)


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Article 1\n" + "x" * 5000)
    with pytest.raises(InputError, match="over the limit"):
        read_path(path, max_bytes=1000)
    with pytest.raises(InputError, match="over the limit"):
        treaty.parse("y" * 2000, max_bytes=1000)


def test_sparse_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with open(path, "wb") as handle:
        handle.truncate(1 << 30)  # 1 GB, sparse: no disk used
    with pytest.raises(InputError, match="over the limit"):
        treaty.load(path)
