"""Stage 3: turn the structure tree into an :class:`~treaty.models.Agreement`.

The grammar has grouped lines under the heading that opens them.  Here we
decide what the grammar cannot: how numbered paragraphs and points nest
(a stack keyed by numbering style), which short line is a heading, which
prose paragraphs and list items of an article-less text are provisions, and
we map every position back to the original text.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import operator
import re
from bisect import bisect_right
from typing import Any, Iterable, Optional, Sequence

from lark import Token, Tree

from .models import Agreement, depth_first
from .normalise import Normalised
from .resources import load_data

__all__ = ["build_agreement"]

# Deepest nesting of paragraphs, points and items kept; deeper lines become siblings.
_MAX_DEPTH = 32

LIST_KINDS = frozenset({"PARAGRAPH", "POINT", "BULLET"})
TEXT_KINDS = frozenset({"TEXT", "TITLE", "RECITAL", "ENACTING"})


# --------------------------------------------------------------------------- vocabulary

@functools.lru_cache(maxsize=1)
def _vocab() -> dict[str, Any]:
    data = load_data("structure.yaml")

    def alternation(value: str) -> str:
        return re.sub(r"\s*\|\s*", "|", value.strip())

    heading = data["heading"]
    return {
        "number_words": {k.lower(): int(v) for k, v in data["number_words"].items()},
        "divisions": {k.lower(): v for k, v in data["divisions"].items()},
        "heading": heading,
        "heading_verbs": set(heading["verbs"].lower().split()),
        "intro": re.compile(r"\b(?:" + alternation(data["list_intro"]) + r")\b", re.I),
        "prose": re.compile(r"\b(?:" + alternation(data["prose_subject"]) + r")\b[^.;:]{0,200}?\b(?:"
                            + alternation(data["prose_modal"]) + r")\b", re.I),
        "adverbs": set(data["imperative_adverbs"].lower().split()),
        "verbs": set(data["imperative_verbs"].lower().split()),
    }


# ------------------------------------------------------------------------------ labels

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_RE = re.compile(r"^m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$")
_SUFFIXES = "bis|ter|quater|quinquies|sexies|septies|octies|novies|decies"

_HEAD_RE = re.compile(
    r"(?P<word>[A-Za-z][A-Za-z\-]*\.?)[ \t]*"
    r"(?P<num>(?:l(?=\d))?\d{1,4}(?:[ \t]?(?:" + _SUFFIXES + r")\b|[A-Za-z](?![A-Za-z]))?"
    r"|[IVXLC]+(?:[ \t]?(?:" + _SUFFIXES + r")\b|[a-z](?![A-Za-z]))?(?![A-Za-z])"
    r"|(?i:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b"
    r"|[A-Za-z](?![A-Za-z]))?"
    r"(?P<sep>[ \t]*[.:)*\-]*[ \t]*)")

# "(3)." and "3)." are "(3)" and "3)" with a full stop: it belongs to the number, not the
# text.  (The grammar takes the stop only before a space; a label read alone ends there.)
_PARA_RE = re.compile(r"\((?P<p>\d{1,3})(?P<ps>[a-z]?)\)(?:\.(?![^ \t]))?|(?P<m>\d{1,3}(?:\.\d{1,3})+)\.?"
                      r"|(?P<d>\d{1,3})(?P<dd>[.)])(?:(?<=\))\.(?![^ \t]))?")
_POINT_RE = re.compile(r"\((?P<p>[A-Za-z]{1,6})\)(?:\.(?![^ \t]))?|(?P<r>[A-Za-z]{1,6})(?P<rs>[.)])")
_BULLET_RE = re.compile(r"[^\s]+")
_PREAMBLE_RE = re.compile(r"(?i)preamble[:.]?")
_LEAD_WORDS_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _roman(s: str) -> Optional[int]:
    low = s.lower()
    if not low or not _ROMAN_RE.match(low):
        return None
    total = 0
    prev = 0
    for ch in reversed(low):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def _alpha(s: str) -> Optional[int]:
    low = s.lower()
    if len(low) == 1:
        return ord(low) - 96
    if len(low) == 2 and low[0] == low[1]:  # aa, bb ... follow z
        return 26 + ord(low[0]) - 96
    return None


@functools.lru_cache(maxsize=4096)
def _paragraph_label(label: str) -> tuple[str, tuple[tuple[Any, Optional[int]], ...], str, int]:
    """What :meth:`_Builder.label` says of a paragraph number ("2.", "(3)", "4.1"): a corpus has few."""
    m = _PARA_RE.match(label)
    assert m is not None and m.end() == len(label)
    if m.group("p"):
        return "paragraph", (("(1)", int(m.group("p"))),), m.group("p") + m.group("ps"), m.end()
    if m.group("m"):
        parts = m.group("m").split(".")
        return "paragraph", ((("m", len(parts), ".".join(parts[:-1])), int(parts[-1])),), m.group("m"), m.end()
    return "paragraph", (("1" + m.group("dd"), int(m.group("d"))),), m.group("d"), m.end()


@functools.lru_cache(maxsize=4096)
def _point_readings(lab: str, shape: str) -> tuple[tuple[Any, Optional[int]], ...]:
    """(style, value) readings of a point label: "(i)" may be roman 1 or the letter i."""
    upper = lab.isupper()
    cands: list[tuple[Any, Optional[int]]] = []
    rv = _roman(lab)
    av = _alpha(lab)
    if rv is not None and set(lab.lower()) <= set("ivxl"):
        cands.append((("roman", upper, shape), rv))
    if av is not None:
        cands.append((("alpha", upper, shape), av))
    if not cands:
        cands.append((("alpha", upper, shape), None))
    return tuple(cands)


@functools.lru_cache(maxsize=4096)  # a corpus has few distinct numbers ("1" ... "IV", "4 bis")
def _number_value(num: str) -> tuple[str, Optional[int]]:
    """Normalised number text and its integer value ('IV' -> ('4', 4), '4 bis' -> ('4bis', None))."""
    raw = re.sub(r"[ \t]+", "", num)
    if raw[:1] == "l" and raw[1:2].isdigit():  # OCR slip: "l4" for 14
        raw = "1" + raw[1:]
    m = re.match(r"^(\d+)(.*)$", raw)
    if m:
        value = int(m.group(1))
        suffix = m.group(2).lower()
        return (f"{value}{suffix}", value if not suffix else None)
    m = re.match(r"^([IVXLC]+)(" + _SUFFIXES + r"|[a-z])?$", raw)
    if m and len(m.group(1)) + len(m.group(2) or "") == len(raw) and (len(m.group(1)) > 1 or raw in "IVX"):
        value = _roman(m.group(1))
        if value:
            suffix = (m.group(2) or "").lower()
            return (f"{value}{suffix}", value if not suffix else None)
    words = _vocab()["number_words"]
    parts = re.split(r"[- ]", raw.lower()) if raw else []
    if parts and all(p in words for p in parts):
        value = sum(words[p] for p in parts)
        return (str(value), value)
    return (raw.lower(), None)


# ------------------------------------------------------------------------------- model

class _Line:
    __slots__ = ("kind", "start", "end", "text", "blank_before", "blank_after", "indent")

    def __init__(self, kind: str, start: int, end: int, text: str, blank_after: bool, indent: int) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.text = text
        self.blank_before = True
        self.blank_after = blank_after
        self.indent = indent


def _line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts (after LF, CRLF or CR)."""
    if "\r" in text:
        return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    # Without CR, the lengths of the pieces between LFs give the starts, in C.
    starts = list(itertools.accumulate(map(operator.add, map(len, text.split("\n")), itertools.repeat(1)), initial=0))
    starts.pop()  # the end of the last line
    return starts


class _N:
    __slots__ = ("kind", "local", "number", "heading", "tstart", "tend", "start", "end",
                 "children", "provision", "style", "value", "parent", "id", "obligation_like")

    def __init__(self, kind: str, start: int, end: int, number: Optional[str] = None) -> None:
        self.kind = kind
        self.local: Optional[str] = None
        self.number = number
        self.heading: Optional[str] = None
        self.tstart: Optional[int] = None
        self.tend: Optional[int] = None
        self.start = start
        self.end = end
        self.children: list[_N] = []
        self.provision = False
        self.style: Any = None
        self.value: Optional[int] = None
        self.parent: Optional[_N] = None
        self.id = ""
        self.obligation_like = False

    def add(self, child: "_N") -> "_N":
        child.parent = self
        self.children.append(child)
        return child

    def set_text(self, start: int, end: int) -> None:
        if start >= end:
            return
        if self.tstart is None:
            self.tstart = start
        self.tend = end
        if end > self.end:
            self.end = end


def _count(counters: dict[str, int], key: str) -> int:
    """The next number of ``key`` among siblings (1, 2, ...)."""
    counters[key] = n = counters.get(key, 0) + 1
    return n


class _Scope:
    """A container receiving lines: an article, division, annex ... or the document itself."""

    __slots__ = ("node", "stack", "current", "prose", "numbered")

    def __init__(self, node: Optional[_N], prose: bool = False) -> None:
        self.node = node
        self.stack: list[_N] = []
        self.current: Optional[_N] = node
        self.prose = prose
        self.numbered: dict[str, _N] = {}


# ------------------------------------------------------------------------------ builder

class _Builder:
    def __init__(self, norm: Normalised) -> None:
        self.norm = norm
        self.t = norm.text
        self.map = norm.offsets
        self.orig = norm.original
        self.line_starts = _line_starts(self.orig)
        self.roots: list[_N] = []
        self.diagnostics: list[dict[str, Any]] = []
        self.title: Optional[_N] = None
        self.signatures: list[_N] = []
        self.finals: list[_N] = []
        self.text_starts: dict[str, int] = {}

    # -- positions
    def position(self, norm_pos: int) -> tuple[int, int, int]:
        o = self.map.start(norm_pos)
        line = bisect_right(self.line_starts, o)
        return o, line, o - self.line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> dict[str, int]:
        o, e = self.map.span(start, end)
        line = bisect_right(self.line_starts, o)
        return {"start": o, "end": e, "line": line, "column": o - self.line_starts[line - 1] + 1}

    def diag(self, code: str, message: str, pos: int, severity: str = "warning") -> None:
        _o, line, column = self.position(pos)
        self.diagnostics.append({"code": code, "message": message, "severity": severity,
                                 "line": line, "column": column})

    # -- lines
    def lines(self, tokens: Iterable[Token]) -> list[_Line]:
        out: list[_Line] = []
        t = self.t
        for tok in tokens:
            value = tok  # a Token is a str: no copy needed
            content = value.rstrip()
            start = tok.start_pos
            end = start + len(content)
            nl = t.rfind("\n", 0, start)
            line = _Line(tok.type, start, end, content, value.count("\n", len(content)) >= 2,
                         start - nl - 1)
            if out:
                line.blank_before = out[-1].blank_after
            out.append(line)
        return out

    # -- entry point
    def build(self, tree: Tree) -> None:
        blocks = [c for c in tree.children if isinstance(c, Tree)]
        articles_mode = any(b.data in ("article", "division") for b in blocks)
        self.mode = "articles" if articles_mode else "prose"
        root_scope = _Scope(None, prose=not articles_mode)
        self.root_scope = root_scope
        # Division stack and the container articles go into (annex or document).
        self.divisions: list[_N] = []
        self.annex: Optional[_N] = None
        self.last_article: Optional[int] = None
        self.after_closing = False
        for block in blocks:
            lines = self.lines(block.children)
            if block.data == "front":
                if articles_mode:
                    self.front(lines)
                else:
                    self.prose_front(lines, root_scope)
            else:
                self.block(block.data, lines, root_scope)
        self.finish()

    # -- front matter
    def take_title(self, lines: list[_Line]) -> int:
        if not lines or lines[0].kind != "TITLE":
            return 0
        node = _N("text", lines[0].start, lines[0].end)
        node.local = "title"
        node.set_text(lines[0].start, lines[0].end)
        i = 1
        while (i < len(lines) and not lines[i].blank_before and lines[i].kind in ("TEXT", "TITLE")
               and len(lines[i].text) <= 300 and not lines[i].text.endswith((".", ";", ":"))):
            node.set_text(node.tstart or lines[i].start, lines[i].end)
            i += 1
        self.title = node
        self.roots.append(node)
        return i

    def front(self, lines: list[_Line]) -> None:
        i = self.take_title(lines)
        current: Optional[_N] = None
        recitals = 0
        for line in lines[i:]:
            starts_block = (line.blank_before or current is None
                            or line.kind in ("RECITAL", "ENACTING") or line.kind in LIST_KINDS)
            if not starts_block and current is not None:
                current.set_text(current.tstart if current.tstart is not None else line.start, line.end)
                continue
            if line.kind == "ENACTING":
                current = _N("text", line.start, line.end)
                current.local = "enact"
            elif _PREAMBLE_RE.fullmatch(line.text.strip()):
                current = _N("text", line.start, line.end)
            else:
                if line.kind == "POINT":
                    self.diag("point_outside_paragraph", f"point {line.text.split()[0]} is outside any "
                              "article or paragraph (read as part of the preamble)", line.start)
                recitals += 1
                current = _N("recital", line.start, line.end)
                current.local = f"pre{recitals}"
                if line.kind == "PARAGRAPH":
                    m = _PARA_RE.match(line.text)
                    if m:
                        current.number = m.group("p") or m.group("m") or m.group("d")
            current.set_text(line.start, line.end)
            self.roots.append(current)

    def prose_front(self, lines: list[_Line], scope: _Scope) -> None:
        i = self.take_title(lines)
        scope.current = None
        for k in range(i, len(lines)):
            self.feed(scope, lines[k], k == len(lines) - 1, lines[k + 1] if k + 1 < len(lines) else None)

    # -- blocks with a heading line
    def block(self, kind: str, lines: list[_Line], root_scope: _Scope) -> None:
        head, body = lines[0], lines[1:]
        node = _N(kind, head.start, head.end)
        scope = _Scope(node)
        if kind in ("article", "division", "annex"):
            m = _HEAD_RE.match(head.text)
            rest_at = m.end() if m else len(head.text)
            if m and m.group("num"):
                node.number, node.value = _number_value(m.group("num"))
            rest = head.text[rest_at:].strip()
            if rest:
                start = head.start + rest_at + (len(head.text[rest_at:]) - len(head.text[rest_at:].lstrip()))
                if self.is_heading(rest) or kind == "annex":
                    node.heading = rest
                else:
                    node.set_text(start, head.end)
            word = (m.group("word") if m else "").lower().rstrip(".")
            if kind == "article":
                self.place_article(node, head)
            elif kind == "division":
                self.place_division(node, word)
            else:
                self.place_annex(node)
        elif kind == "final":
            node.set_text(head.start, head.end)
            self.finals.append(node)
            self.roots.append(node)
            self.after_closing = True
        else:  # signature
            node.heading = head.text.rstrip(": \t")
            self.signatures.append(node)
            self.roots.append(node)
            self.after_closing = True
        for k in range(len(body)):
            self.feed(scope, body[k], k == len(body) - 1, body[k + 1] if k + 1 < len(body) else None)

    def container(self) -> Optional[_N]:
        if self.divisions:
            return self.divisions[-1]
        return self.annex

    def attach(self, node: _N) -> None:
        parent = self.container()
        if parent is None:
            self.roots.append(node)
        else:
            parent.add(node)

    def place_article(self, node: _N, head: _Line) -> None:
        self.attach(node)
        value = node.value
        last = self.last_article
        if value is not None and last is not None:
            if value == last:
                self.diag("duplicate_number", f"Article {node.number} appears twice", head.start)
            elif value > last + 1:
                self.diag("numbering_gap", f"Article {node.number} follows Article {last}", head.start)
            elif value < last:
                if value == 1:
                    where = " after the final clauses" if self.after_closing else ""
                    self.diag("numbering_restart", f"article numbering restarts at {node.number}{where}: "
                              "a further instrument (protocol, annex) may start here", head.start, "info")
                else:
                    self.diag("numbering_order", f"Article {node.number} follows Article {last}", head.start)
        if value is not None:
            self.last_article = value
        self.after_closing = False

    def place_division(self, node: _N, word: str) -> None:
        info = _vocab()["divisions"].get(word.replace("-", "") if word.replace("-", "") in _vocab()["divisions"] else word,
                                         {"level": 3, "id": "sec"})
        node.style = (info["level"], info["id"])
        while self.divisions and self.divisions[-1].style[0] >= info["level"]:
            self.divisions.pop()
        self.attach(node)
        self.divisions.append(node)

    def place_annex(self, node: _N) -> None:
        self.divisions = []
        self.roots.append(node)
        self.annex = node
        self.last_article = None

    # -- lines inside a container
    def is_heading(self, text: str) -> bool:
        cfg = _vocab()["heading"]
        s = text.strip()
        if not s or len(s) > cfg["max_chars"] or s[0].islower() or s.endswith((";", ",", ":")):
            return False
        words = s.split()
        if len(words) > cfg["max_words"]:
            return False
        if s.endswith(".") and len(words) > cfg["max_words_with_full_stop"]:
            return False
        verbs = _vocab()["heading_verbs"]
        return not any(w.lower().strip(".,;:") in verbs for w in words)

    def feed(self, scope: _Scope, line: _Line, is_last: bool, next_line: Optional[_Line] = None) -> None:
        kind = line.kind
        if kind in LIST_KINDS:
            scope.current = self.place(scope, line, next_line)
            return
        if kind == "SUBHEAD":
            node = _N("text", line.start, line.end)
            node.heading = line.text.strip(" \t-*\u2013\u2014\u2022")
            self.add_to(scope, node)
            scope.stack.clear()
            scope.current = None
            return
        cur = scope.current
        owner = scope.node
        # The first short line after a bare "Article 4" is its heading.
        wrapped = (next_line is not None and not line.blank_after and next_line.kind in TEXT_KINDS
                   and next_line.text[:1].islower())  # a hard-wrapped sentence goes on
        if (cur is not None and cur is owner and owner.kind in ("article", "division", "annex")
                and owner.heading is None and cur.tend is None and not wrapped
                and (not is_last or owner.kind != "article") and self.is_heading(line.text)):
            owner.heading = line.text.strip()
            owner.end = max(owner.end, line.end)
            return
        if cur is None and owner is not None and owner.tend is None and not owner.children:
            cur = owner
        if cur is not None and (not line.blank_before or cur.tend is None or line.text[:1].islower()):
            cur.set_text(cur.tstart if cur.tstart is not None else line.start, line.end)
            return
        if scope.prose:
            node = _N("text", line.start, line.end)
            node.local = "p"
            self.add_to(scope, node)
            scope.stack.clear()
        elif not scope.stack and owner is not None and owner.kind in ("article", "division", "annex"):
            if owner.tstart is not None:
                # The heading line's text was the first of several paragraphs.
                first = _N("paragraph", owner.tstart, owner.tend or owner.tstart)
                first.local = "p"
                first.set_text(owner.tstart, owner.tend or owner.tstart)
                owner.tstart = owner.tend = None
                owner.add(first)
            node = _N("paragraph", line.start, line.end)
            node.local = "p"
            owner.add(node)
        else:
            parent = next((n for n in reversed(scope.stack) if n.kind == "paragraph"), None) or owner
            node = _N("text", line.start, line.end)
            node.local = "t"
            if parent is None:
                self.add_to(scope, node)
            else:
                parent.add(node)
        node.set_text(line.start, line.end)
        scope.current = node

    def add_to(self, scope: _Scope, node: _N) -> None:
        if scope.node is None:
            self.roots.append(node)
        else:
            scope.node.add(node)

    def label(self, line: _Line) -> tuple[str, Sequence[tuple[Any, Optional[int]]], str, int]:
        """Kind, candidate (style, value) readings, number text, and where the text starts."""
        text = line.text
        if line.kind == "PARAGRAPH":
            m = _PARA_RE.match(text)
            if m is None:  # pragma: no cover - the grammar guarantees a match
                return "paragraph", [("?", None)], "", 0
            return _paragraph_label(m.group())
        if line.kind == "POINT":
            m = _POINT_RE.match(text)
            if m is None:  # pragma: no cover
                return "point", [("?", None)], "", 0
            lab = m.group("p") or m.group("r")
            shape = "(x)" if m.group("p") else "x" + m.group("rs")
            return "point", _point_readings(lab, shape), lab, m.end()
        m = _BULLET_RE.match(text)
        return "item", [(("bullet", line.indent), None)], "", m.end() if m else 1

    def roman_child(self, prev: _N, cands: Sequence[tuple[Any, Optional[int]]], next_line: Optional[_Line]) -> bool:
        """Whether an "(i)" after "(h)" opens a roman sub-list rather than continuing the letters."""
        roman = [c for c in cands if c[0][0] == "roman" and c[1] == 1]
        if not roman:
            return False
        if self.text_of(prev).endswith(":"):
            return True
        if next_line is not None and next_line.kind == "POINT":
            m = _POINT_RE.match(next_line.text)
            lab = (m.group("p") or m.group("r")) if m else ""
            return lab.lower() == "ii"
        return False

    def place(self, scope: _Scope, line: _Line, next_line: Optional[_Line] = None) -> _N:
        kind, cands, number, rest_at = self.label(line)
        node = _N(kind, line.start, line.end, number or None)
        stack = scope.stack
        parent_depth: Optional[int] = None  # index in stack of the new node's parent (-1: owner)
        chosen = cands[0]
        cur = scope.current
        if (cur is not None and cur.kind == "text" and cur.local == "t" and cur.style is None
                and any(c[1] in (None, 1) for c in cands)):
            # A list that starts after flush text ("... (c) z.\n\nFurther text:\n(a) ...")
            # belongs to that text, not to the list before it.
            if cur.parent in stack:
                del stack[stack.index(cur.parent) + 1:]
            else:
                stack.clear()
            cur.style = ("text", id(cur))
            stack.append(cur)
        # Multi-level numbers ("2.1") hang under the paragraph numbered "2".
        if isinstance(chosen[0], tuple) and chosen[0][0] == "m":
            prefix = chosen[0][2]
            parent = scope.numbered.get(prefix)
            if parent is not None and parent in stack:
                parent_depth = stack.index(parent)
        if parent_depth is None:
            # 1. the next number in an open list, nearest first
            found = None
            for depth in range(len(stack) - 1, -1, -1):
                lvl = stack[depth]
                for cand in cands:
                    if cand[0] == lvl.style and (cand[1] is None or lvl.value is None or cand[1] == lvl.value + 1):
                        found = (depth, cand)
                        break
                if found:
                    break
            if found and found[1][0][0] == "alpha" and found[0] == len(stack) - 1 and self.roman_child(
                    stack[-1], cands, next_line):
                # "(h) ... mean respectively:" then "(i)": a nested roman list, not the letter i.
                found = None
                chosen = next(c for c in cands if c[0][0] == "roman")
                parent_depth = len(stack) - 1
            elif found:
                parent_depth, chosen = found[0] - 1, found[1]
            if parent_depth is None:
                open_styles = {lvl.style for lvl in stack}
                fresh = [c for c in cands if c[0] not in open_styles]
                first = [c for c in fresh if c[1] in (None, 1)]
                if first:
                    chosen = first[0]
                    parent_depth = len(stack) - 1
                else:
                    same = None
                    for depth in range(len(stack) - 1, -1, -1):
                        for cand in cands:
                            if cand[0] == stack[depth].style:
                                same = (depth, cand)
                                break
                        if same:
                            break
                    if same:
                        parent_depth, chosen = same[0] - 1, same[1]
                        prev = stack[same[0]]
                        if chosen[1] == 1:
                            self.diag("numbering_restart", f"{kind} {number} restarts the list after "
                                      f"{prev.number or '-'}", line.start, "info")
                        else:
                            code = "duplicate_number" if chosen[1] == prev.value else "numbering_gap"
                            self.diag(code, f"{kind} {number or '-'} follows {prev.number or '-'}", line.start)
                    else:
                        chosen = fresh[0] if fresh else cands[0]
                        parent_depth = len(stack) - 1
                        if kind != "item":
                            # Numbering often runs on across sections; say so, quietly.
                            self.diag("numbering_start", f"{kind} {number} starts a list (numbering continues "
                                      "from an earlier part?)", line.start, "info")
        node.style, node.value = chosen
        if kind == "point" and number:
            # A letter read as a roman numeral keeps its spelling; the id uses it as written.
            node.number = number
        if parent_depth is not None and parent_depth >= _MAX_DEPTH - 1:
            parent_depth = _MAX_DEPTH - 2  # keep pathological nesting (indent staircases) bounded
        parent = stack[parent_depth] if parent_depth is not None and parent_depth >= 0 else scope.node
        del stack[(parent_depth if parent_depth is not None else -1) + 1:]
        stack.append(node)
        if parent is None:
            self.roots.append(node)
            if kind == "point" and not scope.prose:
                self.diag("point_outside_paragraph", f"point ({number}) is outside any article or paragraph",
                          line.start)
        else:
            parent.add(node)
        if kind == "paragraph" and number:
            scope.numbered.setdefault(number, node)
        start = line.start + rest_at
        while start < line.end and self.t[start] in " \t":
            start += 1
        node.set_text(start, line.end)
        return node

    # -- finishing
    def finish(self) -> None:
        vocab = _vocab()
        if self.mode == "prose":
            self.mark_prose_provisions(vocab)
        else:
            for node in depth_first(self.roots):
                if node.kind == "article":
                    paras = [c for c in node.children if c.kind == "paragraph"]
                    if paras:
                        for p in paras:
                            p.provision = True
                    else:
                        node.provision = True
                elif node.kind == "division" and not any(
                        n.kind == "article" for n in depth_first(node.children)):
                    paras = [c for c in node.children if c.kind == "paragraph"]
                    if paras:
                        for p in paras:
                            p.provision = True
                    elif node.tstart is not None:
                        node.provision = True
        self.assign_ids(self.roots, None, {})

    def text_of(self, node: _N) -> str:
        if node.tstart is None or node.tend is None:
            return ""
        return self.t[node.tstart:node.tend].strip()

    def obligation_like(self, node: _N, vocab: dict[str, Any]) -> bool:
        text = self.text_of(node)
        if vocab["prose"].search(text):
            return True
        words = _LEAD_WORDS_RE.findall(text[:80])
        for w in words[:3]:
            low = w.lower()
            if low in vocab["verbs"]:
                return w[0].isupper() or words.index(w) > 0
            if low not in vocab["adverbs"]:
                return False
        return False

    def mark_prose_provisions(self, vocab: dict[str, Any]) -> None:
        roots = self.roots
        i = 0
        while i < len(roots):
            node = roots[i]
            if node.kind == "text" and node.local == "p":
                if vocab["prose"].search(self.text_of(node)):
                    node.kind = "paragraph"
                    node.provision = True
                i += 1
                continue
            if node.kind not in ("item", "paragraph", "point"):
                i += 1
                continue
            j = i
            while j < len(roots) and roots[j].kind in ("item", "paragraph", "point") and roots[j].local != "p":
                j += 1
            run = roots[i:j]
            intro = roots[i - 1] if i > 0 else None
            intro_text = self.text_of(intro) if intro is not None and intro.kind in ("text", "paragraph") else ""
            introduced = intro_text.endswith(":") and bool(vocab["intro"].search(intro_text))
            likely = sum(1 for n in run if self.obligation_like(n, vocab))
            if introduced or (len(run) >= 2 and likely * 2 >= len(run)):
                for n in run:
                    n.provision = True
            i = j

    def assign_ids(self, nodes: list[_N], prefix: Optional[str], used: dict[str, int],
                   article_prefix: Optional[str] = None) -> None:
        counters: dict[str, int] = {}
        for node in nodes:
            # Articles keep document-wide ids ("art4") inside parts and chapters;
            # only an annex (a separate instrument) prefixes them.
            own_prefix = article_prefix if node.kind == "article" else prefix
            local = self.local_id(node, own_prefix, counters)
            full = local if own_prefix is None else f"{own_prefix}.{local}"
            if full in used:
                used[full] += 1
                full = f"{full}_{used[full]}"
            else:
                used[full] = 1
            node.id = full
            if node.children:
                self.assign_ids(node.children, full, used, full if node.kind == "annex" else article_prefix)

    def local_id(self, node: _N, prefix: Optional[str], counters: dict[str, int]) -> str:
        kind = node.kind
        num = (node.number or "").replace(" ", "")
        if kind == "article":
            return f"art{num.lower()}" if num else f"art_{_count(counters, 'art')}"
        if kind == "division":
            return f"{node.style[1]}{num.lower()}" if num else f"{node.style[1]}_{_count(counters, 'div')}"
        if kind == "annex":
            n = _count(counters, "annex")
            return f"annex{num.lower()}" if num else f"annex{n}"
        if node.local in ("title", "enact") or (node.local or "").startswith("pre"):
            return node.local or "text"
        if kind == "final":
            return f"final{_count(counters, 'final')}"
        if kind == "signature":
            return f"sig{_count(counters, 'sig')}"
        if node.local == "p":
            return f"p{_count(counters, 'p')}"
        if kind == "paragraph" and num:
            return num if prefix is not None else f"para{num}"
        if kind == "point":
            return num if prefix is not None else f"pt{num}"
        if kind == "item":
            if prefix is None:
                return f"item{_count(counters, 'item')}" if node.provision else f"bullet{_count(counters, 'bullet')}"
            return f"item{_count(counters, 'item')}"
        return f"t{_count(counters, 't')}"

    def to_dict(self, node: _N) -> dict[str, Any]:
        text = ""
        if node.tstart is not None and node.tend is not None:
            raw = self.t[node.tstart:node.tend]
            stripped = raw.lstrip()
            self.text_starts[node.id] = node.tstart + (len(raw) - len(stripped))
            text = stripped.rstrip()
        end = node.end
        if node.children:
            children = [self.to_dict(c) for c in node.children]
            for c in node.children:
                if c.end > end:
                    end = c.end
            node.end = end
        else:
            children = []
        return {
            "kind": node.kind,
            "id": node.id,
            "number": node.number,
            "heading": node.heading,
            "text": text,
            "span": self.span(node.start, end),
            "provision": node.provision,
            "children": children,
        }


# --------------------------------------------------------------------- metadata

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_PATTERNS = [
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I),
    re.compile(r"\b(?:the\s+)?([a-z\-]+|\d{1,2}(?:st|nd|rd|th)?)\s+day\s+of\s+" + _MONTH + r",?\s+(?:in\s+the\s+year\s+)?(\d{4})\b", re.I),
]
_ORDINALS = {w: i for i, w in enumerate((
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split(), 1)}


def _ordinal_day(word: str) -> Optional[int]:
    w = word.lower()
    m = re.match(r"(\d{1,2})", w)
    if m:
        return int(m.group(1))
    if w in _ORDINALS:
        return _ORDINALS[w]
    if w.startswith("twenty-") and w[7:] in _ORDINALS:
        return 20 + _ORDINALS[w[7:]]
    if w == "thirtieth":
        return 30
    if w == "thirty-first":
        return 31
    return None


def find_date(text: str) -> Optional[_dt.date]:
    """The first calendar date written out in ``text`` ("6 July 1961", "April 4, 1949", "the fourth day of April, 1949")."""
    best: Optional[tuple[int, _dt.date]] = None
    for k, pattern in enumerate(_DATE_PATTERNS):
        for m in pattern.finditer(text):
            try:
                if k == 0:
                    d = _dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
                elif k == 1:
                    d = _dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
                else:
                    day = _ordinal_day(m.group(1))
                    if day is None:
                        continue
                    d = _dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], day)
            except ValueError:
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), d)
            break
    return best[1] if best else None


_PLACE_RE = re.compile(r"\b(?i:done|signed|concluded)(?i:,?\s+in\s+(?:duplicate|triplicate|quadruplicate|\w+\s+(?:originals?|copies)))?"
                       r",?\s+(?i:at|in)\s+((?:[Tt]he\s+)?[A-Z][A-Za-z\-']+(?:\s+[A-Z][A-Za-z\-']+)?)")
_BETWEEN_RE = re.compile(r"\bbetween\s+", re.I)
# Where the list of parties after "between" ends.
_PARTIES_END = re.compile(r"\s*(?:[.;:\"(\n\[]|\b(?:concerning|relating|regarding|on\s+the|on\s+(?:an?\s+)?[a-z]|for\s+the|"
                          r"in\s+respect|with\s+respect|with\s+a\s+view|signed|done|to\s+the|establishing|"
                          r"has|have|for|in\s+order|that|which|on)\b|"
                          r"\bon\s+(?:the\s+)?\d)", re.I)
_KEEP_AND = re.compile(r"(?i)(great britain|bosnia|trinidad|antigua|saint kitts|sao tome|st\. kitts) and "
                       r"(northern ireland|herzegovina|tobago|barbuda|nevis|principe)")
_PARTY_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?(?:the\s+)?|\s+and\s+(?:the\s+)?(?=[A-Z])", re.I)


def find_parties_in(text: str) -> list[str]:
    """Parties named in 'between A, B and C' (a title or an opening paragraph), as written."""
    m = _BETWEEN_RE.search(text)
    if not m:
        return []
    rest = text[m.end():]
    end = _PARTIES_END.search(rest)
    span = rest[:end.start()] if end else rest[:300]
    span = re.sub(r"^(?:the\s+)", "", span.strip(), flags=re.I)
    # "and" inside a known name ("Great Britain and Northern Ireland") must not split it.
    protected = _KEEP_AND.sub(lambda m: m.group(1) + "\x00" + m.group(2), span)
    parts = [p.replace("\x00", " and ").strip(" .,;\"'") for p in _PARTY_SPLIT.split(protected)]
    parts = [p for p in parts if p]
    # Names, not sentences: every part must read like a proper name.
    if len(parts) < 2 or len(parts) > 12 or not all(_name_like(p) for p in parts):
        return []
    return parts


_NAME_GLUE = frozenset("of the and for de du la le des van der von al el".split())


def _name_like(text: str) -> bool:
    """'Government of the Kingdom of the Netherlands' yes; 'States concerned in order to ...' no."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 120 or not text[0].isupper():
        return False
    content = [w for w in words if w.lower() not in _NAME_GLUE]
    capitals = sum(1 for w in content if w[:1].isupper() or w[:1] in "'(")
    return bool(content) and capitals / len(content) >= 0.75


# -------------------------------------------------------------------------- entry point

class Locator:
    """Maps offsets in a provision's :meth:`~treaty.models.Node.full_text` to spans in the original."""

    def __init__(self, norm: Normalised, line_starts: list[int], text_starts: dict[str, int]) -> None:
        self.norm = norm
        self.line_starts = line_starts
        self.text_starts = text_starts
        self._original_span = norm.offsets.span  # looked up once: span() runs for every piece of evidence

    def text_and_segments(self, node: Any) -> tuple[str, tuple[list[int], list[int], list[int]]]:
        """The node's :meth:`~treaty.models.Node.full_text`, and for each text piece of the subtree its
        offset in that text, its start in the normalised text and its length (one walk)."""
        if not node.children:  # most provisions: one piece
            text = node.text
            if not text:
                return "", ([], [], [])
            return text, ([0], [self.text_starts.get(node.id, -1)], [len(text)])
        pieces: list[str] = []
        offsets: list[int] = []
        starts: list[int] = []
        lengths: list[int] = []
        offset = 0
        text_starts = self.text_starts
        for n in node.walk():
            text = n.text
            if text:
                pieces.append(text)
                offsets.append(offset)
                starts.append(text_starts.get(n.id, -1))
                lengths.append(len(text))
                offset += len(text) + 1
        return "\n".join(pieces), (offsets, starts, lengths)

    def span(self, segments: tuple[list[int], list[int], list[int]], start: int, end: int) -> Optional[dict[str, int]]:
        """Span (dict) of full-text offsets [start, end), or None when the text has no known position."""
        offsets, starts, lengths = segments
        i = bisect_right(offsets, start) - 1  # the piece the offset falls in: a provision may have hundreds
        if i < 0 or starts[i] < 0:
            return None
        norm_start = starts[i]
        a = norm_start + (start - offsets[i])
        b = norm_start + min(end - offsets[i], lengths[i])
        o, e = self._original_span(a, b)
        line_starts = self.line_starts
        line = bisect_right(line_starts, o)
        return {"start": o, "end": e, "line": line, "column": o - line_starts[line - 1] + 1}


# Characters that count as text (not spacing, not invisible formatting).
_VISIBLE_RUN = re.compile(r"[^\s\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\x00-\x1f\x7f]+")


def _with_unparsed(norm: Normalised, nodes: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """The normalisers' skipped ranges plus any visible text outside every node (reason 'unparsed').

    Top-level node spans cover their descendants, so only the gaps between
    them need looking at: this keeps the guarantee that nothing is lost cheap.
    """
    out = list(norm.skipped)
    covered = sorted([(n["span"]["start"], n["span"]["end"]) for n in nodes] + [(a, b) for a, b, _ in norm.skipped])
    pos = 0
    original = norm.original
    gaps = []
    for start, end in covered:
        if start > pos:
            gaps.append((pos, start))
        pos = max(pos, end)
    if pos < len(original):
        gaps.append((pos, len(original)))
    for a, b in gaps:
        for m in _VISIBLE_RUN.finditer(original, a, b):
            out.append((m.start(), m.end(), "unparsed"))
    out.sort()
    return out


_TWO_GOVERNMENTS = re.compile(
    r"(?:The\s+)?(?:Government|Presidium|President|State)s?\b.*?\bof\s+(?:the\s+)?(.+?)\s+and\s+"
    r"(?:the\s+)?(?:Government|Presidium|President|State)s?\b.*?\bof\s+(?:the\s+)?(.+?)\s*,")
_SECOND_GOVERNMENT = re.compile(r"\sand\s+(?:the\s+)?(?:Government|Presidium|President|State)")


def build_agreement(tree: Tree, norm: Normalised, source: dict[str, Any]) -> Agreement:
    """Build the validated :class:`Agreement` from a structure tree and its normalised text."""
    b = _Builder(norm)
    b.build(tree)
    nodes = [b.to_dict(n) for n in b.roots]
    title = b.text_of(b.title) if b.title is not None else None
    parties: list[str] = []
    for sig in b.signatures:
        name = re.sub(r"(?i)^for\s+(?:the\s+)?", "", sig.heading or "").strip()
        if name and name not in parties:
            parties.append(name)
    if not parties and title:
        parties = find_parties_in(title)
    if not parties:
        firsts = [n for n in b.roots if n.kind in ("recital", "text", "paragraph")][:3]
        for n in firsts:
            parties = find_parties_in(b.text_of(n)[:400])
            if parties:
                break
            if n.kind != "recital":
                continue
            text = b.text_of(n)
            # The pattern backtracks a lot on a long recital it does not fit; the
            # part it cannot match without ("and the Government") is found first.
            m = _TWO_GOVERNMENTS.match(text) if _SECOND_GOVERNMENT.search(text) else None
            if m:
                parties = [m.group(1).strip(), m.group(2).strip()]
                break
    closing = " ".join(b.text_of(n) for n in b.finals)
    signed = find_date(closing) if closing else None
    if signed is None and title:
        signed = find_date(title)
    place_text = closing or (title or "")
    pm = _PLACE_RE.search(place_text)
    skipped = []
    for start, end, reason in _with_unparsed(norm, nodes):
        line = bisect_right(b.line_starts, start)
        skipped.append({"reason": reason, "text": norm.original[start:end],
                        "span": {"start": start, "end": end, "line": line,
                                 "column": start - b.line_starts[line - 1] + 1}})
    data = {
        "source": source,
        "title": " ".join(title.split()) if title else None,
        "parties": parties,
        "signed": signed,
        "place": pm.group(1) if pm else None,
        "mode": b.mode,
        "nodes": nodes,
        "diagnostics": sorted(b.diagnostics, key=lambda d: (d["line"], d["column"])),
        "skipped": skipped,
    }
    agreement = Agreement.model_validate(data)
    agreement._locator = Locator(norm, b.line_starts, b.text_starts)
    return agreement
