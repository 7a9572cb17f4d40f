"""Stage 2: parse normalised text with the Lark structure grammar (``grammar/structure.lark``).

The grammar is LALR with positions propagated.  Its terminals each match one
whole line; :class:`LineLexer` compiles them (from the grammar, in priority
order) into one regular expression and walks the text line by line, which is
what Lark's basic lexer does, minus the line/column bookkeeping we do not use:
positions are mapped back to the original text by :mod:`treaty.transform`.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Iterator

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.lexer import Lexer, LexerState

from .errors import ParseError
from .resources import data_path

__all__ = ["structure_parser", "parse_structure", "LineLexer"]

_LEADING_SPACE = re.compile(r"\s+")


class LineLexer(Lexer):
    """Line-at-a-time lexer built from the grammar's own terminal definitions."""

    def __init__(self, lexer_conf) -> None:  # noqa: ANN001 - Lark's LexerConf
        terminals = sorted(lexer_conf.terminals, key=lambda t: (-t.priority, t.name))
        self.pattern = re.compile("|".join(
            f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals
            if t.name not in lexer_conf.ignore))

    def lex(self, lexer_state: LexerState | str, parser_state=None) -> Iterator[Token]:  # noqa: ANN001
        text = lexer_state.text if isinstance(lexer_state, LexerState) else lexer_state
        if not isinstance(text, str):  # Lark >= 1.2 wraps the input
            text = text.text
        m = _LEADING_SPACE.match(text)
        pos = m.end() if m else 0
        n = len(text)
        match = self.pattern.match
        while pos < n:
            m = match(text, pos)
            if m is None:  # cannot happen: TEXT matches any non-blank line
                raise ParseError("no line kind matches here (grammar bug)", None, None, None)
            end = m.end()
            yield Token(m.lastgroup, text[pos:end], pos, None, None, None, None, end)
            pos = end


def _cache_file(grammar: str) -> str | bool:
    """A private per-user file for Lark's parse-table cache (building the tables takes ~25 ms).

    Lark's default cache lives in the shared temporary folder and is a pickle;
    a folder only this user can write is the safe place for it.
    """
    import hashlib
    import lark

    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "treaty")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.access(folder, os.W_OK) or (os.stat(folder).st_mode & 0o022):
            return False
    except OSError:
        return False
    digest = hashlib.sha256((grammar + lark.__version__).encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"structure-{digest}.lark-cache")


@functools.lru_cache(maxsize=1)
def structure_parser() -> Lark:
    """The structure parser, built once per process (and its tables cached on disk)."""
    with open(data_path("structure.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    cache = False if os.environ.get("TREATY_NO_CACHE") else _cache_file(grammar)
    try:
        return Lark(grammar, parser="lalr", lexer=LineLexer, propagate_positions=True, cache=cache)
    except Exception:  # noqa: BLE001 - a broken cache file must never stop a parse
        return Lark(grammar, parser="lalr", lexer=LineLexer, propagate_positions=True)


def parse_structure(text: str, name: str | None = None) -> Tree:
    """Parse normalised text into a Lark tree of blocks (front, article, division, ...)."""
    if not text.strip():
        return Tree("start", [])
    try:
        return structure_parser().parse(text)
    except LarkError as exc:  # the grammar is total; report rather than crash
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        raise ParseError(f"could not parse the structure: {exc.__class__.__name__}", name,
                         line if isinstance(line, int) and line > 0 else None,
                         column if isinstance(column, int) and column > 0 else None) from None
