"""Text normalisers: named, pure, idempotent ``str -> str`` steps with an offset map.

Every step can be called on its own (``treaty.normalise.STEPS["quotes"](text)``);
:func:`normalise` runs them all in order and keeps an :class:`OffsetMap` so that
every position reported later refers to the ORIGINAL text.  The character
tables and debris patterns live in ``grammar/normalise.yaml``.
"""

from __future__ import annotations

import functools
import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .resources import load_data

__all__ = ["OffsetMap", "Normalised", "Step", "STEPS", "normalise", "step_names"]

Edit = tuple[int, int, int]  # (start, end, length of replacement) in the step's input


class OffsetMap:
    """Maps positions in a normalised text back to positions in the original.

    Stored as segments of the normalised text: a *copy* segment maps one for
    one, a *replace* segment stands for a stretch of the original that a step
    rewrote (its positions map to the edges of that stretch).
    """

    __slots__ = ("_t", "_o", "_oe", "_copy", "length", "original_length", "_identity")

    def __init__(self, length: int) -> None:
        self._t = [0]
        self._o = [0]
        self._oe = [length]
        self._copy = [True]
        self.length = length
        self.original_length = length
        self._identity = True

    @property
    def identity(self) -> bool:
        """True when no step changed the length of anything."""
        return self._identity

    def start(self, pos: int) -> int:
        """Original position of a normalised *start* position (inclusive)."""
        if self._identity:
            return pos
        t = self._t
        idx = bisect_left(t, pos)
        if idx == len(t) or t[idx] != pos:
            if pos >= self.length:
                return self.end(pos)
            idx -= 1
        if self._copy[idx]:
            return self._o[idx] + (pos - t[idx])
        return self._o[idx]

    def end(self, pos: int) -> int:
        """Original position of a normalised *end* position (exclusive)."""
        if self._identity:
            return pos
        if pos <= 0:
            return self.start(0)
        t = self._t
        idx = bisect_right(t, pos - 1) - 1
        if self._copy[idx]:
            return self._o[idx] + (pos - t[idx])
        return self._oe[idx]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the normalised stretch [start, end); the end is never before the start."""
        if self._identity:
            return start, (end if end > start else start)
        if start >= self.length or end <= 0:
            o = self.start(start)
            e = self.end(end)
            return o, (e if e > o else o)
        # start() and end() in one call: this runs for every span of every clause.
        t, orig, copy = self._t, self._o, self._copy
        i = bisect_left(t, start)
        if i == len(t) or t[i] != start:
            i -= 1
        o = orig[i] + (start - t[i]) if copy[i] else orig[i]
        j = bisect_right(t, end - 1) - 1
        e = orig[j] + (end - t[j]) if copy[j] else self._oe[j]
        return o, (e if e > o else o)

    def apply(self, edits: list[Edit], new_length: int) -> None:
        """Fold one step's edits (in current normalised coordinates) into the map."""
        if self._identity and self.length:  # (an empty original keeps the general path's end marker)
            self._apply_to_identity(edits, new_length)
            return
        t, o, oe, cp = self._t, self._o, self._oe, self._copy
        nt: list[int] = []
        no: list[int] = []
        noe: list[int] = []
        ncp: list[bool] = []
        n = len(t)

        def emit(lo: int, hi: int, shift: int, final: bool = False) -> None:
            # Copy the old segments that cover [lo, hi), clipped, shifted.
            i = max(bisect_left(t, lo) - 1, 0)
            while i < n and t[i] <= hi:
                seg_t = t[i]
                seg_len = (oe[i] - o[i]) if cp[i] else _replace_len(i)
                seg_end = seg_t + seg_len
                if seg_len == 0:
                    if lo <= seg_t < hi or (final and seg_t == hi):
                        nt.append(seg_t + shift); no.append(o[i]); noe.append(oe[i]); ncp.append(False)
                    i += 1
                    continue
                a, b = max(lo, seg_t), min(hi, seg_end)
                if a < b:
                    if cp[i]:
                        off = o[i] + (a - seg_t)
                        nt.append(a + shift); no.append(off); noe.append(off + (b - a)); ncp.append(True)
                    else:
                        nt.append(a + shift); no.append(o[i]); noe.append(oe[i]); ncp.append(False)
                i += 1

        def _replace_len(i: int) -> int:
            nxt = t[i + 1] if i + 1 < n else self.length
            return nxt - t[i]

        pos = 0
        shift = 0
        for a, b, r in edits:
            emit(pos, a, shift)
            o_start = self.start(a)
            o_end = self.end(b)
            nt.append(a + shift); no.append(o_start); noe.append(max(o_end, o_start)); ncp.append(False)
            shift += r - (b - a)
            pos = b
        emit(pos, self.length, shift, final=True)
        # Merge neighbouring copy segments that continue each other.
        mt, mo, moe, mcp = [nt[0]], [no[0]], [noe[0]], [ncp[0]]
        for i in range(1, len(nt)):
            if ncp[i] and mcp[-1] and moe[-1] == no[i] and nt[i] == mt[-1] + (moe[-1] - mo[-1]):
                moe[-1] = noe[i]
            else:
                mt.append(nt[i]); mo.append(no[i]); moe.append(noe[i]); mcp.append(ncp[i])
        self._t, self._o, self._oe, self._copy = mt, mo, moe, mcp
        self.length = new_length
        self._identity = False

    def _apply_to_identity(self, edits: list[Edit], new_length: int) -> None:
        # The first step that changes lengths (most texts have only one): the
        # segments are the stretches between edits, with no old map to clip.
        nt: list[int] = []
        no: list[int] = []
        noe: list[int] = []
        ncp: list[bool] = []
        pos = 0
        shift = 0
        for a, b, r in edits:
            if a > pos:
                nt.append(pos + shift); no.append(pos); noe.append(a); ncp.append(True)
            nt.append(a + shift); no.append(a); noe.append(b); ncp.append(False)
            shift += r - (b - a)
            pos = b
        if pos < self.length or not nt:
            nt.append(pos + shift); no.append(pos); noe.append(self.length); ncp.append(True)
        self._t, self._o, self._oe, self._copy = nt, no, noe, ncp
        self.length = new_length
        self._identity = False


@dataclass(frozen=True)
class Step:
    """One named normaliser.  Call it as a function: ``step(text) -> text``."""

    name: str
    doc: str
    pattern: re.Pattern[str] | None = None
    replace: Callable[[re.Match[str]], str] | None = None
    table: dict[int, str] | None = None
    report: bool = False  # removed text is reported as skipped (debris)
    repeat: bool = False  # run again while it still changes something
    # The pattern starts with "\n" and is run over "\n" + text, so that a
    # literal prefix lets the regex engine skip ahead instead of testing "^"
    # at every position; group "x" is what gets replaced.
    line_start: bool = False
    # A cheap test (substring checks, isascii) that the step could change anything;
    # it spares a regex scan of texts the step would leave alone.
    needed: Callable[[str], bool] | None = None
    # A character just before a match that goes with it ("!" of a markdown image):
    # kept out of the pattern, whose literal first character lets the scan skip ahead.
    absorb_before: str = ""

    def run(self, text: str) -> tuple[str, list[Edit] | None, list[tuple[int, int]]]:
        """Apply once; return new text, edits (None if lengths kept), removed ranges."""
        assert self.pattern is not None
        if self.needed is not None and not self.needed(text):
            return text, None, []
        if self.table is not None:
            # One-for-one replacements: lengths are kept, no edits to record.  A
            # substring test per character is a fast memory scan, much faster than
            # a regex over a character class; most texts hold only a few of them.
            for code, to in self.table.items():
                ch = chr(code)
                if ch in text:
                    text = text.replace(ch, to)
            return text, None, []
        assert self.replace is not None
        parts: list[str] = []
        edits: list[Edit] = []
        removed: list[tuple[int, int]] = []
        last = 0
        shift = 1 if self.line_start else 0
        subject = "\n" + text if self.line_start else text
        for m in self.pattern.finditer(subject):
            new = self.replace(m)
            old = m.group("x") if self.line_start else m.group()
            if new == old:
                continue
            a, b = m.span("x") if self.line_start else m.span()
            a -= shift
            b -= shift
            if self.absorb_before and a > last and text[a - 1] == self.absorb_before:
                a -= 1
                old = text[a:b]
            parts.append(text[last:a])
            parts.append(new)
            edits.append((a, b, len(new)))
            if self.report and old.strip():
                removed.append((a, b))
            last = b
        if not edits:
            return text, None, []
        parts.append(text[last:])
        return "".join(parts), edits, removed

    def __call__(self, text: str) -> str:
        for _ in range(_MAX_ROUNDS if self.repeat else 1):
            new, edits, _removed = self.run(text)
            if edits is None or new == text:
                return new
            text = new
        return text


_TAG_HINT = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9]*[\s>/])")
_CODE_HINT = re.compile(r"<(?:!--|[Ss][Cc][Rr][Ii][Pp][Tt]|[Ss][Tt][Yy][Ll][Ee])")  # a literal "<" lets the scan skip

# A repeating step stops after this many rounds even if it could go on.
_MAX_ROUNDS = 8


@dataclass
class Normalised:
    """Result of :func:`normalise`: the text, its offset map and what was removed."""

    original: str
    text: str
    offsets: OffsetMap
    skipped: list[tuple[int, int, str]] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)


def _char_class(table: dict[int, str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")


def _translate_table(pairs: Iterable[tuple[str, str]]) -> dict[int, str]:
    table: dict[int, str] = {}
    for chars, to in pairs:
        for ch in chars:
            table[ord(ch)] = to
    return table


def _build_steps() -> list[Step]:
    data = load_data("normalise.yaml")
    invisible = data["invisible"]
    line_breaks = data["line_breaks"]
    spaces = _translate_table([(data["spaces"]["from"], data["spaces"]["to"])])
    quotes = _translate_table([
        (data["quotes_single"]["from"], data["quotes_single"]["to"]),
        (data["quotes_double"]["from"], data["quotes_double"]["to"]),
    ])
    dashes = _translate_table([(data["dashes"]["from"], data["dashes"]["to"])])
    char_table = {**spaces, **quotes, **dashes}
    char_table.update({ord(c): "" for c in invisible})
    char_table.update({ord(c): " " for c in line_breaks + "\r\n\t"})

    def decode_entity(m: re.Match[str]) -> str:
        text = m.group()
        for _ in range(8):  # "&amp;amp;lt;" needs several rounds
            decoded = html.unescape(text)
            if decoded == text:
                break
            text = decoded
        # The decoded characters pass through the character steps, so a
        # second run of the pipeline finds nothing more to do.
        return text.translate(char_table)

    hs = "[ \\t]"
    debris_lines = "|".join(f"(?:{p})" for p in data["debris_lines"])
    debris_inline = "|".join(f"(?:{p})" for p in data["debris_inline"])
    keep = set(data["hyphen_keep"].lower().split())
    not_after = set(data["hyphen_not_after"].lower().split())
    bullets = re.escape(data["bullets"])

    word_before = re.compile(r"(?<![A-Za-z])[A-Za-z]+$")
    blocks = set(data["html_block_tags"].split())

    def html_tag(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        if name == "li" and not m.group(1):
            return "\n- "
        return "\n" if name in blocks else ""

    def join_hyphen(m: re.Match[str]) -> str:
        w = word_before.search(m.string, max(0, m.start() - 60), m.start())
        if w is None:
            return m.group()
        low = w.group().lower()
        if low in not_after:
            return m.group()
        return "-" if low in keep else ""

    def non_ascii(text: str) -> bool:
        return not text.isascii()  # O(1) in CPython: a flag on the string

    def holds_any(chars: str) -> Callable[[str], bool]:
        # One substring test per character (a fast memory scan each) beats a regex
        # over the character class by an order of magnitude.
        return lambda text: not text.isascii() and any(ch in text for ch in chars)

    def line_breaks_present(text: str) -> bool:
        return ("\r" in text or "\x0b" in text or "\x0c" in text
                or (not text.isascii() and any(ch in text for ch in line_breaks)))

    return [
        Step("invisible", "Remove zero-width, soft-hyphen, byte-order and bidirectional control characters.",
             re.compile("[" + re.escape(invisible) + "]+"), lambda m: "", needed=holds_any(invisible)),
        Step("line_endings", "Turn CRLF, CR and Unicode line separators into LF.",
             re.compile("\r\n|[\r" + re.escape(line_breaks) + "]"), lambda m: "\n", needed=line_breaks_present),
        Step("html_entities", "Decode HTML entities (&amp;, &nbsp;, &#8211; ...).",
             re.compile(r"&(?:(?:amp|#0*38|#[xX]0*26);)*(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"),
             decode_entity, needed=lambda text: "&" in text),
        Step("html_code", "Remove HTML comments, scripts and style sheets (a web copy's code); reported as skipped.",
             re.compile(r"(?is)<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>"), lambda m: "", report=True,
             needed=lambda text: "<" in text and _CODE_HINT.search(text) is not None),
        Step("html_tags", "Turn HTML block tags into line breaks ('<li>' into a bullet) and drop other tags.",
             re.compile(r"(?i)<(/?)([a-z][a-z0-9]*)\b[^<>]{0,1000}>"), html_tag, repeat=True,
             needed=lambda text: "<" in text and _TAG_HINT.search(text) is not None),
        Step("spaces", "Turn non-breaking and other Unicode spaces into plain spaces.",
             _char_class(spaces), table=spaces, needed=non_ascii),
        Step("quotes", "Turn typographic quotes and primes into ' and \".", _char_class(quotes), table=quotes,
             needed=lambda text: "`" in text or not text.isascii()),
        Step("dashes", "Turn en, em, minus and other dashes into -.", _char_class(dashes), table=dashes,
             needed=non_ascii),
        Step("web_markup", "Remove CDATA markers and other markup left by RSS feeds (']]>'); reported as skipped.",
             re.compile(debris_inline), lambda m: "", report=True,
             needed=lambda text: ("]" in text and "]]>" in text) or ("<" in text and "<![" in text)),
        Step("web_debris", "Remove whole lines of web and database debris ('Source link', 'Waiting for response "
             "to load...'); reported as skipped.",
             re.compile(rf"(?i)\n(?P<x>(?:{hs}|[#*>])*(?:{debris_lines}){hs}*(?=\n|\Z))"),
             lambda m: "", report=True, line_start=True),
        Step("markdown", "Remove markdown heading marks ('###Article 5'), leading emphasis and link targets.",
             re.compile(rf"\n(?P<x>{hs}*(?:#+{hs}*|\*{{1,3}}(?=[^\s*])|__(?=[^\s_]))+)"),
             lambda m: "", line_start=True, needed=lambda text: "#" in text or "*" in text or "__" in text),
        Step("markdown_links", "Keep the words of markdown links and images, drop their targets.",
             re.compile(r"\[([^\]\n]{1,300})\]\([^)\s]{0,500}\)"), lambda m: m.group(1), absorb_before="!",
             needed=lambda text: "](" in text),
        Step("bullets", "Turn bullet glyphs at the start of a line into '-'.",
             re.compile(rf"\n(?P<x>({hs}*)[{bullets}](?={hs}))"), lambda m: m.group(2) + "-", line_start=True),
        Step("hyphenation", "Join words hyphenated across a line break ('inter-\\nnational').",
             re.compile(rf"-{hs}*\n{hs}*(?=[a-z]{{2}})"), join_hyphen,
             repeat=True),  # a join can complete the word before the next line-final hyphen
    ]


STEPS: dict[str, Step] = {step.name: step for step in _build_steps()}


def step_names() -> list[str]:
    """Names of the normalisers, in the order :func:`normalise` runs them."""
    return list(STEPS)


@functools.lru_cache(maxsize=32)
def _plan(names: tuple[str, ...]) -> list[Step]:
    """The steps to run; neighbouring one-for-one character steps are fused into one pass."""
    plan: list[Step] = []
    for name in names:
        step = STEPS[name]
        if step.table is not None and plan and plan[-1].table is not None:
            table = {**plan[-1].table, **step.table}
            fused = Step(f"{plan[-1].name}+{name}", "fused character maps", _char_class(table), table=table,
                         needed=lambda text: not text.isascii() or "`" in text)
            plan[-1] = fused
        else:
            plan.append(step)
    return plan


def normalise(text: str, steps: Iterable[str] | None = None) -> Normalised:
    """Run the normalisers over ``text`` and keep the map back to the original."""
    offsets = OffsetMap(len(text))
    skipped: list[tuple[int, int, str]] = []
    changes: dict[str, int] = {}
    current = text
    for step in _plan(tuple(steps) if steps is not None else tuple(STEPS)):
        name = step.name
        for _ in range(_MAX_ROUNDS if step.repeat else 1):
            new, edits, removed = step.run(current)
            if edits is None:
                if new != current:
                    changes[name] = changes.get(name, 0) + 1
                current = new
                break
            for a, b in removed:
                skipped.append((offsets.start(a), offsets.end(b), name))
            offsets.apply(edits, len(new))
            changes[name] = changes.get(name, 0) + len(edits)
            current = new
    skipped.sort()
    return Normalised(text, current, offsets, skipped, changes)
