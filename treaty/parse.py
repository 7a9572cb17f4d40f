"""Stage 2: parse normalised text with the Lark structure grammar (``grammar/structure.lark``).

The grammar is LALR with positions propagated.  Its terminals each match one
whole line; :class:`LineLexer` compiles them (from the grammar, in priority
order) into one regular expression and walks the text line by line, which is
what Lark's basic lexer does, minus the line/column bookkeeping we do not use:
positions are mapped back to the original text by :mod:`treaty.transform`.
The lines go through Lark's tables and callbacks in :class:`TableDriver`'s loop.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import re
from typing import Callable, Iterable, Iterator

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.lexer import Lexer, LexerState

from .errors import ParseError
from .resources import data_path

try:  # Lark's own marker for a shift in its parse tables (see TableDriver)
    from lark.parsers.lalr_analysis import Shift as _Shift
except ImportError:  # pragma: no cover - another Lark: its own parser loop is used
    _Shift = None

__all__ = ["structure_parser", "parse_structure", "LineLexer"]

_LEADING_SPACE = re.compile(r"\s+")


class _LineToken(Token):
    """A line as Lark's parser takes it: kind, text and offsets.  Line and column
    numbers are not kept (positions are mapped from offsets), so they are None
    for every line, read from the class rather than set on each token."""

    __slots__ = ()
    line = column = end_line = end_column = None


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
        new = str.__new__
        while pos < n:
            m = match(text, pos)
            if m is None:  # cannot happen: TEXT matches any non-blank line
                raise ParseError("no line kind matches here (grammar bug)", None, None, None)
            end = m.end()
            value = text[pos:end]
            token = new(_LineToken, value)  # Token(...) would check its arguments, once per line
            token.type, token.value, token.start_pos, token.end_pos = m.lastgroup, value, pos, end
            yield token
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


class _GrowPlain:
    """Callback for a left-recursive list rule Lark makes of ``x*`` (``__l: __l x``), without positions.

    Lark's own callback builds a new tree for the list at every item, only for
    the enclosing rule to inline it; this one extends the list already built.
    """

    __slots__ = ("expand",)

    def __init__(self, expand: bool) -> None:
        self.expand = expand  # the item is an inlined rule (``_x``): splice its children

    def __call__(self, children: list) -> Tree:
        tree, item = children
        if self.expand:
            tree.children += item.children
        else:
            tree.children.append(item)
        return tree


class _GrowList(_GrowPlain):
    """:class:`_GrowPlain` for a parser with positions propagated: the list's end moves with it.

    With positions, Lark's callback also builds a new position record at every
    item: about 40% of the parse on a typical treaty.  The trees and positions
    are the same as Lark's (a test compares them on every example).
    """

    __slots__ = ()

    def __call__(self, children: list) -> Tree:
        tree = _GrowPlain.__call__(self, children)
        item = children[1]
        if type(item) is Tree:
            last = item.meta
            if last.empty:  # Lark skips empty items when it looks for the end
                return tree
        else:
            last = item
        meta = tree.meta
        meta.end_line = meta.container_end_line = getattr(last, "container_end_line", last.end_line)
        meta.end_column = meta.container_end_column = getattr(last, "container_end_column", last.end_column)
        meta.end_pos = meta.container_end_pos = getattr(last, "container_end_pos", last.end_pos)
        return tree


class _StartList:
    """Callback for the first item of such a list (``__l: x``): Lark's, minus its generic search."""

    __slots__ = ("name", "expand", "generic")

    def __init__(self, name: str, expand: bool, generic: object) -> None:
        self.name, self.expand, self.generic = name, expand, generic

    def __call__(self, children: list) -> Tree:
        item = children[0]
        if type(item) is Tree:
            first = item.meta
            if first.empty:
                return self.generic(children)  # type: ignore[operator]
            tree = Tree(self.name, item.children if self.expand else [item])
        else:
            first = item  # a token: it has the plain attributes, not the container ones
            tree = Tree(self.name, [item])
        meta = tree.meta
        meta.line = meta.container_line = getattr(first, "container_line", first.line)
        meta.column = meta.container_column = getattr(first, "container_column", first.column)
        meta.start_pos = meta.container_start_pos = getattr(first, "container_start_pos", first.start_pos)
        meta.end_line = meta.container_end_line = getattr(first, "container_end_line", first.end_line)
        meta.end_column = meta.container_end_column = getattr(first, "container_end_column", first.end_column)
        meta.end_pos = meta.container_end_pos = getattr(first, "container_end_pos", first.end_pos)
        meta.empty = False
        return tree


class _StartPlain:
    """:class:`_StartList` for a parser without positions."""

    __slots__ = ("name", "expand")

    def __init__(self, name: str, expand: bool) -> None:
        self.name, self.expand = name, expand

    def __call__(self, children: list) -> Tree:
        item = children[0]
        return Tree(self.name, item.children if self.expand else [item])


def _is_default(builder: object, name: str) -> bool:
    """Whether ``builder`` is Lark's Tree(name, children) for a rule a transformer leaves alone."""
    return (isinstance(builder, functools.partial) and builder.args == (name,)
            and getattr(builder.func, "__name__", "") == "default_callback")


def lean_list_callbacks(lark: Lark) -> Lark:
    """Give ``lark``'s list rules the callbacks above, where its internals are as expected.

    Another Lark version keeps its own callbacks, which are only slower.
    """
    from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, PropagatePositions

    callbacks = getattr(getattr(getattr(getattr(lark, "parser", None), "parser", None), "parser", None),
                        "callbacks", None)
    if not isinstance(callbacks, dict):
        return lark
    for rule, callback in list(callbacks.items()):
        name, expansion = rule.origin.name, rule.expansion
        if not name.startswith("__"):
            continue
        grows = len(expansion) == 2 and expansion[0] == rule.origin
        starts = len(expansion) == 1 and expansion[0] != rule.origin
        if type(callback) is PropagatePositions and callback.node_filter is None:
            builder = callback.node_builder
            if type(builder) is ChildFilterLALR_NoPlaceholders:
                include = builder.to_include
            elif isinstance(builder, functools.partial) and builder.func is Tree and builder.args == (name,):
                include = [(i, False) for i in range(len(expansion))]  # Lark leaves out the filter: nothing to splice
            else:
                continue
            if grows and len(include) == 2 and include[0] == (0, True) and include[1][0] == 1:
                callbacks[rule] = _GrowList(include[1][1])
            elif starts and len(include) == 1 and include[0][0] == 0:
                callbacks[rule] = _StartList(name, include[0][1], callback)
        elif type(callback) is ChildFilterLALR_NoPlaceholders and grows:
            # With a transformer, Lark builds a plain Tree(name, children) for these.
            include = callback.to_include
            if (_is_default(callback.node_builder, name)
                    and len(include) == 2 and include[0] == (0, True) and include[1][0] == 1):
                callbacks[rule] = _GrowPlain(include[1][1])
        elif starts and _is_default(callback, name):
            callbacks[rule] = _StartPlain(name, False)
        elif (starts and type(callback) is ChildFilterLALR_NoPlaceholders and callback.to_include == [(0, True)]
                and _is_default(callback.node_builder, name)):
            callbacks[rule] = _StartPlain(name, True)
    _rules_equal_only_themselves(lark)
    return lark


def _rules_equal_only_themselves(lark: Lark) -> None:
    """Make the parse table's rules compare by identity.

    Lark's parser loop asserts ``rule != end_state`` at every reduction, which
    calls :class:`~lark.grammar.Rule`'s Python ``__eq__``; within one parser
    each rule is one object, so identity gives the same answers, in C.
    """
    from lark.grammar import Rule

    table = getattr(getattr(getattr(getattr(lark, "parser", None), "parser", None), "parser", None),
                    "parse_table", None)
    states = getattr(table, "states", None)
    if not isinstance(states, dict) or _SameRule is None:
        return
    try:
        for actions in states.values():
            for _action, arg in actions.values():
                if type(arg) is Rule:
                    arg.__class__ = _SameRule
    except TypeError:  # pragma: no cover - a Lark whose rules cannot change class: keep them
        return


try:
    from lark.grammar import Rule as _LarkRule

    class _SameRule(_LarkRule):
        """A Lark rule equal only to itself (see :func:`_rules_equal_only_themselves`)."""

        __slots__ = ()
        __eq__ = object.__eq__
        __ne__ = object.__ne__
        __hash__ = _LarkRule.__hash__
except Exception:  # pragma: no cover - a Lark whose Rule cannot be subclassed this way
    _SameRule = None  # type: ignore[assignment,misc]


class TableDriver:
    """Runs a Lark LALR parser's own tables and callbacks over tokens, in one tight loop.

    Lark's loop calls a method per token and looks the same things up each
    time; this one reads a table prepared once.  Trees, positions and
    transformer results are Lark's (the callbacks are Lark's, or those of
    :func:`lean_list_callbacks`).  When a token is not expected, it returns
    None and the caller lets Lark parse the input again to raise its own error.
    """

    __slots__ = ("rows", "start", "end")

    def __init__(self, lark: Lark) -> None:
        inner = lark.parser.parser.parser
        table, callbacks = inner.parse_table, inner.callbacks
        start = lark.options.start[0]
        self.start, self.end = table.start_states[start], table.end_states[start]
        # Per state: terminal or rule name -> (True, next state, terminal callback)
        # for a shift, (False, size, callback, rule name) for a reduction.
        self.rows: dict[int, dict[str, tuple]] = {}
        for state, actions in table.states.items():
            row: dict[str, tuple] = {}
            for name, (action, arg) in actions.items():
                if action is _Shift:
                    row[name] = (True, arg, callbacks.get(name) if name.isupper() else None)
                else:
                    row[name] = (False, len(arg.expansion), callbacks[arg], arg.origin.name)
            self.rows[state] = row

    @classmethod
    def of(cls, lark: Lark) -> "TableDriver | None":
        """A driver for ``lark``, or None if this Lark keeps its tables elsewhere (then use ``lark.parse``)."""
        if _Shift is None:  # pragma: no cover - another Lark's internals
            return None
        try:
            return cls(lark)
        except (AttributeError, KeyError, TypeError):  # pragma: no cover - another Lark's internals
            return None

    def run(self, tokens: Iterable, kind: Callable[[object], str]) -> object:
        """The parse of ``tokens`` (``kind(token)`` is its terminal name), or None on an unexpected token."""
        rows, end, states, values = self.rows, self.end, [self.start], []
        push_state, push_value = states.append, values.append
        for token in itertools.chain(tokens, (_END,)):
            name = "$END" if token is _END else kind(token)
            while True:
                action = rows[states[-1]].get(name)
                if action is None:
                    return None
                if action[0]:
                    if token is _END:
                        return None
                    push_state(action[1])
                    push_value(token if action[2] is None else action[2](token))
                    break
                size = action[1]
                if size:
                    children = values[-size:]
                    del states[-size:], values[-size:]
                else:
                    children = []
                value = action[2](children)
                following = rows[states[-1]][action[3]][1]
                if following == end:  # the start rule, reduced at the end of the input
                    return value
                push_state(following)
                push_value(value)
        return None  # pragma: no cover - the end marker always ends the loop above


_END = object()  # the end of the input, after the last token (Lark's "$END")


@functools.lru_cache(maxsize=1)
def structure_parser() -> Lark:
    """The structure parser, built once per process (and its tables cached on disk)."""
    with open(data_path("structure.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    cache = False if os.environ.get("TREATY_NO_CACHE") else _cache_file(grammar)
    try:
        lark = Lark(grammar, parser="lalr", lexer=LineLexer, propagate_positions=True, cache=cache)
    except Exception:  # noqa: BLE001 - a broken cache file must never stop a parse
        lark = Lark(grammar, parser="lalr", lexer=LineLexer, propagate_positions=True)
    return lean_list_callbacks(lark)


@functools.lru_cache(maxsize=1)
def _structure_run() -> Callable[[str], object] | None:
    """Parse text with the structure parser's tables in :class:`TableDriver`'s loop (None: use Lark's)."""
    lark = structure_parser()
    driver = TableDriver.of(lark)
    lexer = getattr(getattr(lark, "parser", None), "lexer", None)
    if driver is None or not isinstance(getattr(lexer, "lexer", None), LineLexer):
        return None  # pragma: no cover - another Lark's internals
    lex, run, kind = lexer.lexer.lex, driver.run, operator.attrgetter("type")
    return lambda text: run(lex(text), kind)


def parse_structure(text: str, name: str | None = None) -> Tree:
    """Parse normalised text into a Lark tree of blocks (front, article, division, ...)."""
    if not text.strip():
        return Tree("start", [])
    run = _structure_run()
    tree = run(text) if run is not None else None
    if isinstance(tree, Tree):
        return tree
    try:  # Lark's own loop, which raises its error where the tables stop
        return structure_parser().parse(text)
    except LarkError as exc:  # the grammar is total; report rather than crash
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        raise ParseError(f"could not parse the structure: {exc.__class__.__name__}", name,
                         line if isinstance(line, int) and line > 0 else None,
                         column if isinstance(column, int) and column > 0 else None) from None
