"""Hardening: mutated real texts and pathological inputs never break the parser or lose text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import treaty
from treaty import InputError, TreatyError
from treaty.parse import parse_structure, structure_parser

from .conftest import EXAMPLE_TEXTS

EXAMPLES_TEXT = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLE_TEXTS}


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp", "Cs")


def check(text: str) -> treaty.Agreement | None:
    """Parse; on success every span slices the text and every visible character is accounted for."""
    try:
        agreement = treaty.parse(text)
    except InputError:
        assert not text.strip()
        return None
    except TreatyError as exc:  # pragma: no cover - any other error of ours is a bug
        raise AssertionError(f"unexpected {exc!r}")
    mask = bytearray(len(text))
    for node in agreement.walk():
        assert 0 <= node.span.start <= node.span.end <= len(text)
        mask[node.span.start:node.span.end] = b"\x01" * (node.span.end - node.span.start)
        for clause in node.clauses:
            for evidence in clause.evidence:
                assert 0 <= evidence.span.start <= evidence.span.end <= len(text)
    for skipped in agreement.skipped:
        assert text[skipped.span.start:skipped.span.end] == skipped.text
        mask[skipped.span.start:skipped.span.end] = b"\x01" * (skipped.span.end - skipped.span.start)
    lost = [ch for i, ch in enumerate(text) if not mask[i] and _visible(ch)]
    assert lost == [], lost[:20]
    return agreement


# --- mutations of real texts ---------------------------------------------------------------

NOISE = ["\u200b", "\u200e", "\u202e", "\ufeff", "\u00ad", "\r\n", "\r", "\u2028", "\u00a0"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(EXAMPLES_TEXT)))
    lines = EXAMPLES_TEXT[name].split("\n")
    if len(lines) > 120:  # keep examples quick: a window of the text
        start = draw(st.integers(0, len(lines) - 120))
        lines = lines[start:start + 120]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "double", "swap", "bullet", "noise", "renumber", "long", "nest"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "bullet":
            lines[i] = draw(st.sampled_from(["- ", "\u2022 ", "* ", "\u2013 ", "(a) ", "1. ", "(iv) "])) + lines[i]
        elif op == "noise":
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.sampled_from(NOISE)) + lines[i][k:]
        elif op == "renumber":
            lines[i] = lines[i].replace("Article 1", "Article 7").replace("1.", "3.").replace("(a)", "(c)")
        elif op == "long":
            lines[i] = lines[i] * draw(st.integers(2, 50))
        elif op == "nest":
            lines[i:i] = [f"({chr(97 + d % 26) * (1 + d // 26)}) nested point" for d in range(50)]
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_real_texts(text: str) -> None:
    check(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_structure_trees_and_positions_are_larks_own(text: str) -> None:
    # treaty.parse swaps in cheaper callbacks for Lark's list rules; on any text the
    # tree and every propagated position must be what Lark itself would build.
    from .test_grammar import _shape, plain_structure_parser

    normal = treaty.normalise(text).text
    if normal.strip():
        lark_own = _shape(plain_structure_parser().parse(normal))
        assert _shape(structure_parser().parse(normal)) == lark_own
        assert _shape(parse_structure(normal)) == lark_own  # the table driver's loop


# --- pathological inputs (their timing is in bench/bench_robustness.py) --------------------

PATHOLOGICAL = {
    "one long line": "The Parties shall cooperate in trade, " * 20000,
    "one long word": "x" * 500_000,
    "many bullets": "Key points of the agreement:\n" + "\n".join(f"- Expand trade {i}." for i in range(3000)),
    "many articles": "\n\n".join(f"Article {i}\n\nThe Parties shall consult on {i}." for i in range(1, 3001)),
    "nested parentheses": "(" * 20000 + "x" + ")" * 20000,
    "50 levels of points": "Article 1\n" + "\n".join(f"({chr(97 + d % 26) * (1 + d // 26)}) level" for d in range(50)),
    "indent staircase": "\n".join(" " * i + "- item" for i in range(2000)),
    "many conditions": "Article 1\n\n" + "If a, b shall act, " * 5000,
    "entities": "&amp;" * 50000 + " &#8211; " * 1000,
    "hyphen breaks": "inter-\nnational " * 20000,
    "mixed line ends": "Article 1\r\rText.\r\n\r\nArticle 2\n\rText.\u2028\u2029Article 3\x0bText.",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs(name: str) -> None:
    agreement = check(PATHOLOGICAL[name])
    assert agreement is not None


def test_deep_bullets_stay_bounded() -> None:
    agreement = check(PATHOLOGICAL["indent staircase"])
    depth = 0

    def deepest(node: treaty.Node, level: int) -> int:
        return max([level] + [deepest(c, level + 1) for c in node.children])

    for node in agreement.nodes:
        depth = max(depth, deepest(node, 1))
    assert depth <= 32


def test_many_conditions_are_capped_per_clause() -> None:
    agreement = check(PATHOLOGICAL["many conditions"])
    for _node, clause in agreement.clauses():
        assert len(clause.conditions) <= 20
