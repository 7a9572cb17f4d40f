"""The structure grammar: how each kind of line is read (table-driven), and that it is a sound LALR grammar."""

from __future__ import annotations

import functools
import importlib
import logging
import time

import lark
import pytest

from treaty.parse import parse_structure, structure_parser
from treaty.resources import data_path

LINES = [
    # articles in every common form
    ("Article 1", "ARTICLE"),
    ("Article IV", "ARTICLE"),
    ("ARTICLE ONE", "ARTICLE"),
    ("ARTICLE TWENTY-ONE", "ARTICLE"),
    ("Art. 4.", "ARTICLE"),
    ("Art.4", "ARTICLE"),
    ("Article 4 - Heading", "ARTICLE"),
    ("Article 4 \u2013 Heading", "ARTICLE"),
    ("Article 1. The Contracting Parties shall", "ARTICLE"),
    ("Article 5 bis", "ARTICLE"),
    ("Article 12A", "ARTICLE"),
    ("Article IIa", "ARTICLE"),
    ("Article A", "ARTICLE"),
    # mentions are sentences, not headings
    ("Article 51 of the UN Charter recognises", "TEXT"),
    ("Article 5 shall apply to", "TEXT"),
    ("Articles 3 and 4", "TEXT"),
    ("Article 10, paragraph 2", "TEXT"),
    ("Article 6(2)", "TEXT"),
    # divisions
    ("PART I", "DIVISION"),
    ("Part One", "DIVISION"),
    ("Chapter 2 - Trade", "DIVISION"),
    ("SECTION A", "DIVISION"),
    ("Section 3 of the Act", "TEXT"),
    # annexes
    ("Annex", "ANNEX"),
    ("ANNEX I", "ANNEX"),
    ("Annex to the Agreement on Air Services", "ANNEX"),
    ("Annex I to this Agreement shall apply.", "TEXT"),
    ("Annexes", "TEXT"),
    # paragraphs and points
    ("1. The Parties", "PARAGRAPH"),
    ("1.The Parties", "PARAGRAPH"),
    ("(1) The Parties", "PARAGRAPH"),
    ("1) The Parties", "PARAGRAPH"),
    ("2.1 Scope", "PARAGRAPH"),
    ("(a) the territory", "POINT"),
    ("a) the territory", "POINT"),
    ("a. the territory", "POINT"),
    ("(i)To persons", "POINT"),
    ("(iv) rights", "POINT"),
    ("(A) Exceptions", "POINT"),
    ("(aa) further", "POINT"),
    ("e.g. something", "TEXT"),
    # lists and sub-headings
    ("- item", "BULLET"),
    ("* item", "BULLET"),
    ("\u2022 item", "BULLET"),
    ("\u2013 Develop a permanent partnership", "BULLET"),
    ("\u2013 US concern \u2013", "SUBHEAD"),
    ("- 'Lonely bromance' -", "SUBHEAD"),
    ("---", "TEXT"),
    # preamble, enacting formula, title
    ("Desiring to promote peace,", "RECITAL"),
    ("Convinced that", "RECITAL"),
    ("Bearing in mind", "RECITAL"),
    ("desiring to promote", "TEXT"),
    ("HAVE AGREED AS FOLLOWS:", "ENACTING"),
    ("The Contracting Parties have agreed as follows:", "ENACTING"),
    ("Hereby agree:", "ENACTING"),
    ("They therefore agree to this North Atlantic Treaty", "TITLE"),
    ("NORTH ATLANTIC TREATY", "TITLE"),
    ("Treaty on Comprehensive Strategic Partnership", "TITLE"),
    ("This Agreement shall enter into force on signature.", "TEXT"),
    # final clauses and signatures
    ("IN WITNESS WHEREOF the undersigned", "FINAL"),
    ("In witness whereof, the undersigned", "FINAL"),
    ("Done at Washington, the fourth day of April, 1949.", "FINAL"),
    ("DONE in duplicate at The Hague", "FINAL"),
    ("For the Russian Federation:", "SIGNATURE"),
    ("For the Government of the Kingdom of the Netherlands:", "SIGNATURE"),
    ("FOR THE UNITED STATES OF AMERICA", "SIGNATURE"),
    ("For the purposes of this Agreement:", "TEXT"),
    ("For example, the Parties", "TEXT"),
    ("Plain sentence of an article.", "TEXT"),
]


@pytest.mark.parametrize("line,kind", LINES)
def test_line_kind(line: str, kind: str) -> None:
    tokens = list(structure_parser().lex(line + "\n"))
    assert [t.type for t in tokens] == [kind]


def test_grammar_is_lalr_without_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    with open(data_path("structure.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    lark.logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            lark.Lark(grammar, parser="lalr", lexer="basic", debug=True)
    finally:
        lark.logger.setLevel(logging.WARNING)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


def test_parser_is_built_once() -> None:
    first = structure_parser()
    start = time.perf_counter()
    again = structure_parser()
    assert again is first
    assert time.perf_counter() - start < 0.01


def test_tree_groups_lines_under_headings() -> None:
    text = ("TREATY\n\nDesiring peace,\n\nHave agreed as follows:\n\nArticle 1\n\n1. A.\n(a) b;\n\n"
            "Article 2\nText.\n\nDone at Paris, 1 May 2000.\n\nFor France:\nName\n")
    tree = parse_structure(text)
    assert [c.data for c in tree.children] == ["front", "article", "article", "final", "signature"]
    assert [t.type for t in tree.children[1].children] == ["ARTICLE", "PARAGRAPH", "POINT"]
    # positions are propagated (offsets; lines and columns are computed against the original text later)
    assert tree.children[1].meta.start_pos == text.index("Article 1")
    assert tree.children[2].meta.end_pos == text.index("Done")  # a line token keeps its trailing blank lines


def test_empty_text_gives_empty_tree() -> None:
    assert parse_structure("   \n\n").children == []


def _shape(node: object) -> object:
    """A tree with every position Lark records, for comparing two parsers."""
    if isinstance(node, lark.Tree):
        return (node.data, sorted(vars(node.meta).items()), [_shape(c) for c in node.children])
    assert isinstance(node, lark.Token)
    return (node.type, str(node), node.start_pos, node.end_pos)


@functools.lru_cache(maxsize=1)
def plain_structure_parser() -> lark.Lark:
    """The structure grammar with Lark's own callbacks."""
    from treaty.parse import LineLexer

    with open(data_path("structure.lark"), encoding="utf-8") as handle:
        return lark.Lark(handle.read(), parser="lalr", lexer=LineLexer, propagate_positions=True)


LEAN_CASES = [
    "",
    "Plain text only.\n",
    "Article 1\n",
    "Article 1\nArticle 2\n\n\n",
    "TREATY\nDesiring peace,\nHave agreed as follows:\nArticle 1\n1. A.\n(a) b;\n- c\nPART II\nArticle 2\nx\n"
    "ANNEX I\ny\nDone at Paris.\nFor France:\n",
]


@pytest.mark.parametrize("text", LEAN_CASES + ["example"])
def test_lean_list_callbacks_give_the_trees_and_positions_of_lark(text: str) -> None:
    # The structure parser replaces Lark's callbacks for its helper list rules with
    # cheaper ones; trees and propagated positions must stay exactly Lark's own.
    from treaty.normalise import normalise

    from .conftest import EXAMPLES

    plain = plain_structure_parser()
    texts = [text] if text != "example" else [
        normalise(p.read_text(encoding="utf-8")).text for p in sorted(EXAMPLES.glob("*.*")) if p.suffix in {".txt", ".md"}]
    replaced = [c for c in structure_parser().parser.parser.parser.callbacks.values()
                if type(c).__name__ in {"_GrowList", "_StartList"}]
    assert len(replaced) >= 10  # else the test would compare Lark with itself
    for one in texts:
        if one.strip():
            # Lark's own loop and the table driver parse_structure runs them in
            assert _shape(structure_parser().parse(one)) == _shape(plain.parse(one))
            assert _shape(parse_structure(one)) == _shape(plain.parse(one))


def test_structure_falls_back_to_larks_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the table loop gives no tree (another Lark, or input its tables stop
    # on), Lark's own parser reads the text, with the same result.
    parse_module = importlib.import_module("treaty.parse")  # treaty.parse is also the function

    text = LEAN_CASES[-1]
    expected = _shape(parse_structure(text))
    monkeypatch.setattr(parse_module, "_structure_run", lambda: (lambda _text: None))
    assert _shape(parse_structure(text)) == expected
    monkeypatch.setattr(parse_module, "_structure_run", lambda: None)
    assert _shape(parse_structure(text)) == expected
