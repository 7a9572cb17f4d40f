"""Reading input: files, stdin or strings, in whatever encoding people actually have."""

from __future__ import annotations

import codecs
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .errors import InputError

#: Default limit on input size; treaties run to a few MB, a whole code of law to tens.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class SourceText:
    """Decoded input plus what is known about where it came from."""

    text: str
    name: str | None
    sha256: str
    size: int
    encoding: str
    warnings: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, message)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode(data: bytes, name: str | None = None) -> SourceText:
    """Decode bytes: UTF-8 (with or without BOM), UTF-16/32 with BOM, else cp1252 with a warning."""
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        raise InputError("empty input: there is no text to read", name)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                # utf-8-sig counts from after the mark; utf-16/32 count from the start
                line, col = _position(data, exc.start + (len(bom) if encoding == "utf-8-sig" else 0))
                raise InputError(f"not valid {encoding} despite its byte-order mark", name, line, col) from None
            if encoding == "utf-8-sig":
                encoding = "utf-8"
            return _checked(SourceText(text, name, digest, len(data), encoding), data)
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0:
        line, col = _position(data, nul)
        raise InputError("binary file (NUL byte found); treaty reads text files", name, line, col)
    try:
        text = data.decode("utf-8")
        return _checked(SourceText(text, name, digest, len(data), "utf-8"), data)
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _looks_binary(data):
        line, col = _position(data, bad)
        raise InputError("binary file (not text in any supported encoding)", name, line, col)
    line, col = _position(data, bad)
    text = data.decode("cp1252", errors="replace")
    warning = (line, col, "not valid UTF-8; read as Windows-1252 (cp1252) - check accented characters")
    return _checked(SourceText(text, name, digest, len(data), "cp1252", [warning]), data)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) * 0.05


def _checked(source: SourceText, data: bytes) -> SourceText:
    if not source.text.strip():
        raise InputError("empty input: the file holds only whitespace", source.name)
    return source


def read_path(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read and decode a file, with clear errors for the usual mistakes."""
    name = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError("is a directory, not a file (use 'treaty corpus DIR' for folders)", name)
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except PermissionError:
        raise InputError("permission denied", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    if size > max_bytes:
        raise InputError(f"file is {size:,} bytes, over the limit of {max_bytes:,} "
                         "(raise it with max_bytes= or --max-size)", name)
    try:
        with open(p, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise InputError("permission denied", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    if len(data) > max_bytes:  # grew while we looked, or a special file
        raise InputError(f"input is over the limit of {max_bytes:,} bytes", name)
    return decode(data, name)


def read_stream(stream: BinaryIO | None = None, name: str = "<stdin>",
                max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read and decode a binary stream (standard input by default)."""
    stream = stream if stream is not None else sys.stdin.buffer
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"input is over the limit of {max_bytes:,} bytes", name)
    return decode(data, name)


def from_string(text: str, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Wrap a Python string as a source."""
    if not isinstance(text, str):
        raise InputError(f"expected text (str), got {type(text).__name__}", name)
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) > max_bytes:
        raise InputError(f"input is {len(data):,} bytes, over the limit of {max_bytes:,}", name)
    if not text or text.isspace():  # not text.strip(): that would copy the whole text
        raise InputError("empty input: there is no text to read", name)
    return SourceText(text, name, hashlib.sha256(data).hexdigest(), len(data), "utf-8")
