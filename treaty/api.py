"""The public entry points: parse a text, load a file."""

from __future__ import annotations

import gc
import os
from typing import BinaryIO

from . import __version__
from .models import Agreement, Diagnostic, Source
from .normalise import normalise
from .parse import parse_structure
from .source import DEFAULT_MAX_BYTES, SourceText, from_string, read_path, read_stream
from .classify import classify
from .transform import build_agreement

__all__ = ["parse", "load", "parse_source"]


def parse_source(source: SourceText, *, classify_clauses: bool = True) -> Agreement:
    """Run the pipeline on decoded input (``classify_clauses=False`` stops after the document tree)."""
    # The pipeline allocates many small objects and frees them in one go; the
    # cyclic garbage collector would otherwise rescan the growing heap again
    # and again, making big inputs slower per character than small ones.
    paused = gc.isenabled()
    gc.disable()
    try:
        norm = normalise(source.text)
        tree = parse_structure(norm.text, source.name)
        info = Source(name=source.name, sha256=source.sha256, size=source.size,
                      encoding=source.encoding, tool=__version__).model_dump()
        agreement = build_agreement(tree, norm, info)
        for line, column, message in source.warnings:
            agreement.diagnostics.insert(0, Diagnostic(code="encoding", message=message, line=line, column=column))
        if classify_clauses:
            classify(agreement)
    finally:
        if paused:
            gc.enable()
    return agreement


def parse(text: str, name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Agreement:
    """Parse the text of an agreement (a Python string) into an :class:`Agreement`.

    ``name`` is used in error messages and recorded as the source name.
    Raises :class:`~treaty.errors.InputError` for empty or oversized input.
    """
    return parse_source(from_string(text, name, max_bytes))


def load(path: str | os.PathLike[str] | BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Agreement:
    """Read a file (path, or an open binary stream such as ``sys.stdin.buffer``) and parse it."""
    if hasattr(path, "read"):
        return parse_source(read_stream(path, getattr(path, "name", "<stream>"), max_bytes))  # type: ignore[arg-type]
    return parse_source(read_path(path, max_bytes))
