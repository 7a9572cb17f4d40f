"""The document tree: ids, nesting, headings, provisions, diagnostics, spans, and nothing lost."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, strategies as st

import treaty
from treaty import InputError, TreatyError

from .conftest import EXAMPLES


def ids(text: str) -> list[str]:
    return [n.id for n in treaty.parse(text).walk()]


def tree(text: str) -> list[tuple[str, str, str | None]]:
    return [(n.id, n.kind, n.heading) for n in treaty.parse(text).walk()]


STRUCTURES = [
    # articles in their common forms; roman and word numbers converted in ids
    ("Article 1\n\nText one.\n\nArticle 2\n\nText two.\n", ["art1", "art2"]),
    ("Article I\nText.\n\nArticle II\nText.\n\nArticle IV\nText.\n", ["art1", "art2", "art4"]),
    ("ARTICLE ONE\n\nText.\n\nARTICLE TWO\n\nText.\n", ["art1", "art2"]),
    ("Art. 4.\nText.\n\nArt. 5.\nText.\n", ["art4", "art5"]),
    ("###Article 5 \n\nText.\n", ["art5"]),
    # numbered paragraphs and points, nested
    ("Article 3\n\n1. A:\n\n(a) x;\n\n(b) y:\n\n(i) p;\n\n(ii) q;\n\n(c) z.\n\n2. B.\n",
     ["art3", "art3.1", "art3.1.a", "art3.1.b", "art3.1.b.i", "art3.1.b.ii", "art3.1.c", "art3.2"]),
    # "(i)" after "(h)" is a letter, not a roman numeral
    ("Article 1\n" + "".join(f"({c}) x;\n" for c in "abcdefghij"),
     ["art1"] + [f"art1.{c}" for c in "abcdefghij"]),
    ("Article 2\n\n(1) A.\n\n(2) B.\n", ["art2", "art2.1", "art2.2"]),
    ("Article 2\n\n1) A.\n2) B.\n", ["art2", "art2.1", "art2.2"]),
    # a full stop after a bracketed number belongs to the number
    ("Article 2\n\n(1). A:\n\n(a). x;\n\n(b). y.\n\n(2). B.\n", ["art2", "art2.1", "art2.1.a", "art2.1.b", "art2.2"]),
    ("Article 2\n\n1. A.\n\n1.1 sub.\n\n1.2 sub.\n\n2. B.\n", ["art2", "art2.1", "art2.1.1.1", "art2.1.1.2", "art2.2"]),
    # unnumbered paragraphs of an article become paragraphs p1, p2
    ("Article 1. The Parties declare that they will continue to participate in peace efforts.\n\n"
     "Should either Party be attacked, the other shall assist it.\n", ["art1", "art1.p1", "art1.p2"]),
    # bullets inside an article
    ("Article 7\n\nThe Parties shall:\n- cooperate;\n- consult.\n", ["art7", "art7.item1", "art7.item2"]),
    # divisions
    ("PART I\nGENERAL\n\nArticle 1\nText.\n\nCHAPTER 2\n\nArticle 2\nText.\n\nPART II\n\nArticle 3\nText.\n",
     ["part1", "art1", "part1.ch2", "art2", "part2", "art3"]),
    # preamble, enacting formula, final clauses, signatures, annexes
    ("AGREEMENT BETWEEN A AND B\n\nThe Government of A and the Government of B,\n\nDesiring peace,\n\n"
     "Have agreed as follows:\n\nArticle 1\nText.\n\nDone at Paris on 1 May 2000.\n\nFor the Government of A:\nX\n\n"
     "For the Government of B:\nY\n\nANNEX I\n\nArticle 1\nAnnex text.\n",
     ["title", "pre1", "pre2", "enact", "art1", "final1", "sig1", "sig2", "annex1", "annex1.art1"]),
]


@pytest.mark.parametrize("text,expected", STRUCTURES)
def test_structure_ids(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


HEADINGS = [
    ("Article 4 - Trade and economic cooperation\n\nThe Parties shall.\n", "Trade and economic cooperation"),
    ("Article 4\n\nDefinitions\n\nFor the purposes of this Agreement:\n(a) x.\n", "Definitions"),
    ("Article 4\n\nFor the purposes of this Agreement:\n\n(a) x.\n", None),
    ("Article 3. Definitions.\n\nText.\n", "Definitions."),
    ("Article 5\nThe Parties shall consult.\n\nMore.\n", None),
]


@pytest.mark.parametrize("text,heading", HEADINGS)
def test_article_headings(text: str, heading: str | None) -> None:
    article = treaty.parse(text).nodes[0]
    assert article.kind == "article"
    assert article.heading == heading


@pytest.mark.parametrize("line,number,text", [
    ("(3). In respect of investments.", "3", "In respect of investments."),
    ("(b). the second point;", "b", "the second point;"),
    ("4). Fourth.", "4", "Fourth."),
    ("(3).5 per cent is due.", "3", ".5 per cent is due."),  # no space: the stop is not the number's
])
def test_full_stop_after_bracketed_number(line: str, number: str, text: str) -> None:
    *_, node = treaty.parse("Article 1\n\n(1) First.\n\n(a) x;\n\n" + line + "\n").walk()
    assert (node.number, node.text) == (number, text)


def test_article_text_on_heading_line() -> None:
    a = treaty.parse("Article 1. The Contracting Parties shall settle disputes by peaceful means in all cases.\n")
    assert a.nodes[0].text.startswith("The Contracting Parties shall")
    assert a.nodes[0].heading is None and a.nodes[0].provision


def test_mention_is_not_a_heading() -> None:
    a = treaty.parse("Article 1\n\nThe Parties shall act together.\n\n"
                     "Article 51 of the UN Charter recognises the right of self-defence.\n")
    assert [n.id for n in a.walk() if n.kind == "article"] == ["art1"]
    assert "Article 51 of the UN Charter" in a.find("art1").full_text()


DIAGNOSTICS = [
    ("Article 3\nA.\n\nArticle 5\nB.\n", "numbering_gap", 4),
    ("Article 3\nA.\n\nArticle 3\nB.\n", "duplicate_number", 4),
    ("Intro text.\n\n(a) a point with nothing around it\n\nArticle 1\nText.\n", "point_outside_paragraph", 3),
    ("Article 1\n\n1. A.\n\n3. C.\n", "numbering_gap", 5),
]


@pytest.mark.parametrize("text,code,line", DIAGNOSTICS)
def test_suspicious_structure_is_diagnosed(text: str, code: str, line: int) -> None:
    diags = treaty.parse(text).diagnostics
    assert [(d.code, d.line) for d in diags] == [(code, line)]
    assert diags[0].column == 1


def test_clean_structure_has_no_diagnostics() -> None:
    assert treaty.parse((EXAMPLES / "1995-netherlands-mongolia-bit.txt").read_text()).diagnostics == []


def test_spans_point_into_the_original_with_line_and_column() -> None:
    original = "TREATY\r\n\r\n###Article 1\r\n\r\n1.\u00a0The \u201cParties\u201d shall.\r\n"
    a = treaty.parse(original)
    para = a.find("art1.1")
    assert para is not None
    assert original[para.span.start:para.span.end] == "1.\u00a0The \u201cParties\u201d shall."
    assert (para.span.line, para.span.column) == (5, 1)
    art = a.find("art1")
    assert original[art.span.start:].startswith("###Article 1")
    assert para.text == 'The "Parties" shall.'


# --- provisions in text without articles (news reports, prose releases)

def test_key_points_news_article_yields_exactly_the_20_items() -> None:
    a = treaty.load(EXAMPLES / "2024-russia-dprk-key-points-news.txt")
    provisions = a.provisions()
    assert a.mode == "prose"
    assert [p.id for p in provisions] == [f"item{i}" for i in range(1, 21)]
    assert provisions[0].text.startswith("Develop a permanent partnership")
    assert provisions[3].text.startswith("Immediately provide military and other assistance")
    assert provisions[-1].text.startswith("Supply objective information about each other")
    # the dash-framed lines of the other stories are sub-headings, not provisions
    headings = [n.heading for n in a.walk() if n.kind == "text" and n.heading]
    assert headings == ["US concern", "'Lonely bromance'"]


def test_kcna_prose_paragraphs_written_as_obligations_are_provisions() -> None:
    a = treaty.load(EXAMPLES / "2024-russia-dprk-kcna.txt")
    assert a.title == "DPRK-Russia Treaty on Comprehensive Strategic Partnership"
    assert [(n.id, n.provision) for n in a.nodes if n.id.startswith("p")] == [
        ("p1", False), ("p2", True), ("p3", True), ("p4", True), ("p5", True), ("p6", True)]


def test_headline_bullets_of_a_news_story_are_not_provisions() -> None:
    text = ("South Korea reacts to defence pact\n\n"
            "  \u2022 Tensions escalate at Korean border over defense agreement\n"
            "  \u2022 South Korea takes action against North Korean incursions\n"
            "  \u2022 Diplomatic efforts crucial to de-escalate tensions\n\n"
            "Recent developments at the border have sparked concern.\n")
    a = treaty.parse(text)
    assert [n.kind for n in a.walk()].count("item") == 3
    assert a.provisions() == []


def test_imperative_bullets_without_an_intro_line_are_provisions() -> None:
    text = ("What the deal says\n\n- Expand cooperation in trade and investment.\n"
            "- Immediately provide assistance if either side is attacked.\n- Oppose unilateral sanctions.\n")
    assert [p.id for p in treaty.parse(text).provisions()] == ["item1", "item2", "item3"]


# --- metadata

METADATA = [
    ("1961-ussr-dprk-treaty.txt", "1961-07-06", ["UNION OF SOVIET SOCIALIST REPUBLICS", "DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA"]),
    ("1949-north-atlantic-treaty.txt", "1949-04-04", []),
    ("1995-netherlands-mongolia-bit.txt", "1995-03-09", ["Government of the Kingdom of the Netherlands", "Government of Mongolia"]),
    ("2024-russia-dprk-kcna.txt", None, ["DPRK", "Russian Federation"]),
]


@pytest.mark.parametrize("name,signed,parties", METADATA)
def test_metadata(name: str, signed: str | None, parties: list[str]) -> None:
    a = treaty.load(EXAMPLES / name)
    assert (a.signed.isoformat() if a.signed else None) == signed
    assert a.parties == parties


# --- properties: total, positioned, lossless

def covered(a: treaty.Agreement, length: int) -> list[bool]:
    mask = [False] * length
    for node in a.walk():
        for i in range(node.span.start, node.span.end):
            mask[i] = True
    for skipped in a.skipped:
        for i in range(skipped.span.start, skipped.span.end):
            mask[i] = True
    return mask


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp", "Cs")


_STRUCTURAL = st.sampled_from([
    "Article 1", "ARTICLE IV", "Art. 3.", "1. ", "(a) ", "(i) ", "- ", "\u2022 ", "\u2013 x \u2013", "Done at X",
    "For the Republic:", "Annex", "PART I", "Desiring", "have agreed as follows:", "###", "]]>", "Source link",
    "&amp;", "\r\n", "\n", "\n\n", " ", "text", "shall", "the two sides shall", "\u200b", "\u00a0", "Treaty"])
STRUCTURED_TEXT = st.lists(st.one_of(_STRUCTURAL, st.text(max_size=8)), max_size=40).map("".join)


@given(st.one_of(st.text(max_size=300), STRUCTURED_TEXT))
def test_parse_is_total_positioned_and_lossless(text: str) -> None:
    try:
        a = treaty.parse(text)
    except InputError:
        assert not text.strip()
        return
    except TreatyError as exc:  # pragma: no cover - any other error of ours is a bug too
        raise AssertionError(f"unexpected {exc!r}")
    ids_seen = set()
    for node in a.walk():
        assert 0 <= node.span.start <= node.span.end <= len(text)
        assert node.id not in ids_seen
        ids_seen.add(node.id)
        line_start = text.rfind("\n", 0, node.span.start) + 1
        assert node.span.line >= 1 and node.span.column >= 1
        if "\r" not in text:
            assert node.span.line == text.count("\n", 0, node.span.start) + 1
            assert node.span.column == node.span.start - line_start + 1
    mask = covered(a, len(text))
    lost = [ch for i, ch in enumerate(text) if _visible(ch) and not mask[i]]
    assert lost == []


def test_empty_and_blank_input_is_an_input_error() -> None:
    for text in ("", "   \n\t\n"):
        with pytest.raises(InputError, match="empty"):
            treaty.parse(text, name="blank.txt")
