"""Normalisers: table-driven cases, idempotence, offsets back to the original, nothing dropped."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, strategies as st

from treaty.normalise import STEPS, OffsetMap, normalise, step_names

CASES = [
    # (step, input, expected)
    ("invisible", "Art\u200bicle\u00ad 1\ufeff", "Article 1"),
    ("invisible", "\u202eright-to-left\u202c", "right-to-left"),
    ("line_endings", "a\r\nb\rc\u2028d\n", "a\nb\nc\nd\n"),
    ("html_entities", "Trade &amp; Investment&nbsp;Agreement", "Trade & Investment Agreement"),
    ("html_entities", "&amp;lt;tag&amp;gt; &#8211; &#x2014;", "<tag> - -"),
    ("html_entities", "AT&T &unknownentity; & co", "AT&T &unknownentity; & co"),
    ("spaces", "Article\u00a01\u2009and\u202f2", "Article 1 and 2"),
    ("quotes", "\u201cParties\u201d \u2018each\u2019 \u00abx\u00bb", "\"Parties\" 'each' \"x\""),
    ("dashes", "Article 4 \u2013 Trade \u2014 and \u2212 1", "Article 4 - Trade - and - 1"),
    ("web_markup", "text ]]> more ]]>", "text  more "),
    ("web_debris", "a\nSource link\nWaiting for response to load\u2026\nb", "a\n\n\nb"),
    ("web_debris", "a\n  Source link  \nb", "a\n\nb"),
    ("web_debris", "The Source link is broken.", "The Source link is broken."),
    ("web_debris", "x\n- 12 -\ny", "x\n\ny"),
    ("web_debris", "x\nTreedt in werking op een nader te bepalen tijdstip \ny", "x\n\ny"),
    ("markdown", "###Article 1\n####Definitions\n**Article 5**", "Article 1\nDefinitions\nArticle 5**"),
    ("markdown", "# # x\n*Considering* that", "x\nConsidering* that"),
    ("markdown", "text with # inside\n* bullet", "text with # inside\n* bullet"),
    ("markdown_links", "the [Charter](../../README.md) and ![1](http://x/y.png)", "the Charter and 1"),
    ("bullets", "\u2022 one\n  \u25aa two\n* three\n\u2022notbullet", "- one\n  - two\n- three\n\u2022notbullet"),
    ("hyphenation", "inter-\nnational law", "international law"),
    ("hyphenation", "self-\ndefence and co-\noperation", "self-defence and co-operation"),
    ("hyphenation", "shall not apply to-\nwarships", "shall not apply to-\nwarships"),
    ("hyphenation", "North-\nAtlantic", "North-\nAtlantic"),
    ("hyphenation", "list-\n(a) item", "list-\n(a) item"),
    ("html_code", "a<!-- note -->b<script>x<1</script>c<STYLE>p{}</STYLE>", "abc"),
    ("html_tags", "<p>Article 1</p><p>The <b>Parties</b> shall.</p><ul><li>one</li></ul>",
     "\nArticle 1\n\nThe Parties shall.\n\n\n- one\n\n"),
    ("html_tags", "a < b and c > d", "a < b and c > d"),
    ("html_tags", "<<b>p>nested", "\nnested"),  # removing <b> makes a new tag: the step repeats
]


@pytest.mark.parametrize("step,text,expected", CASES)
def test_step_table(step: str, text: str, expected: str) -> None:
    assert STEPS[step](text) == expected


def test_steps_are_named_and_ordered() -> None:
    names = step_names()
    assert names[0] == "invisible" and names[1] == "line_endings"
    assert set(names) == set(STEPS)
    for step in STEPS.values():
        assert step.doc, step.name


def test_pipeline_maps_positions_to_original() -> None:
    original = "###Article 1\r\n\r\nThe \u201cParties\u201d agree&nbsp;to inter-\nnational self-\ndefence\u200b.\n"
    norm = normalise(original)
    assert norm.text == 'Article 1\n\nThe "Parties" agree to international self-defence.\n'
    for word in ("Article", "Parties", "agree", "national", "defence"):
        i = norm.text.index(word)
        assert original[norm.offsets.start(i):norm.offsets.end(i + len(word))].endswith(word[-3:])
    # The heading's span reaches back over the removed markdown marks.
    assert norm.offsets.start(0) == 0
    assert original[norm.offsets.start(norm.text.index("Parties")):].startswith("Parties")


def test_debris_is_reported_as_skipped() -> None:
    original = "Text one.\n\n]]>\n\nSource link\n\nText two."
    norm = normalise(original)
    reasons = [(original[a:b], why) for a, b, why in norm.skipped]
    assert ("]]>", "web_markup") in reasons
    assert ("Source link", "web_debris") in reasons
    assert "Source link" not in norm.text


# Text built from the characters the normalisers care about, so that the
# interesting interactions (entities decoding to bullets, hyphens before
# markdown marks ...) come up often.
_PIECES = st.sampled_from(list("aAbz .,-\u2013\u2014\n\r\t#*\u2022\u00b7&;:\u200b\u00a0\u2028\u201c\u201d'\"]>x1")
                          + ["&amp;", "&#35;", "&nbsp;", "&#10;", "Source link", "\n]]>\n", "inter-\n",
                             "self-\n", "to-\n", "###", "**", "[a](b)", "\u00ad", "Article 5", "(a)",
                             "<p>", "</p>", "<li>", "<b>", "&lt;p&gt;", "<!--", "-->", "<script>", "</script>"])
SPECIAL_TEXT = st.lists(_PIECES, max_size=40).map("".join)
ANY_TEXT = st.text(max_size=200)


@given(st.one_of(SPECIAL_TEXT, ANY_TEXT))
def test_pipeline_idempotent(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once


@pytest.mark.parametrize("name", list(STEPS))
@given(text=st.one_of(SPECIAL_TEXT, ANY_TEXT))
def test_each_step_idempotent(name: str, text: str) -> None:
    step = STEPS[name]
    once = step(text)
    assert step(once) == once


@given(st.one_of(SPECIAL_TEXT, ANY_TEXT))
def test_offsets_stay_in_bounds_and_ordered(text: str) -> None:
    norm = normalise(text)
    previous = 0
    for pos in range(len(norm.text) + 1):
        start, end = norm.offsets.start(pos), norm.offsets.end(pos)
        assert 0 <= start <= len(text) and 0 <= end <= len(text)
        assert start >= previous
        previous = start
    assert norm.offsets.end(len(norm.text)) <= len(text)


@given(st.one_of(SPECIAL_TEXT, ANY_TEXT), st.data())
def test_span_is_start_and_end_never_reversed(text: str, data: st.DataObject) -> None:
    offsets = normalise(text).offsets
    a = data.draw(st.integers(0, offsets.length))
    b = data.draw(st.integers(0, offsets.length))
    start = offsets.start(a)
    assert offsets.span(a, b) == (start, max(start, offsets.end(b)))


_PLAIN = st.text(alphabet=st.sampled_from(list("abcXYZ019 .,;:()\n\t\u2013\u201c\u201d\u00a0\u2022")), max_size=120)


@given(_PLAIN)
def test_letters_and_digits_are_never_dropped(text: str) -> None:
    # Without debris, entities or links in the input, normalising only changes
    # punctuation and spacing: every letter and digit survives, in order.
    alnum = re.compile(r"[A-Za-z0-9]")
    assert alnum.findall(normalise(text).text) == alnum.findall(text)


@given(st.data())
def test_offset_map_matches_character_model(data: st.DataObject) -> None:
    # Characters of the original are unique CJK ideographs; edits insert 'x'.
    n = data.draw(st.integers(0, 25))
    text = "".join(chr(0x4E00 + i) for i in range(n))
    offsets = OffsetMap(n)
    for _ in range(data.draw(st.integers(1, 4))):
        points = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
        edits: list[tuple[int, int, int]] = []
        for i in range(0, len(points) - 1, 2):
            a, b = points[i], points[i + 1]
            r = data.draw(st.integers(0, 3))
            if (a == b and r == 0) or (edits and (a < edits[-1][1] or (a == edits[-1][1] and (a == b or edits[-1][0] == edits[-1][1])))):
                continue
            edits.append((a, b, r))
        if not edits:
            continue
        parts, last = [], 0
        for a, b, r in edits:
            parts += [text[last:a], "x" * r]
            last = b
        text = "".join(parts) + text[last:]
        offsets.apply(edits, len(text))
    for pos, ch in enumerate(text):
        start, end = offsets.start(pos), offsets.end(pos + 1)
        assert 0 <= start <= end <= n
        assert offsets.span(pos, pos + 1) == (start, end)
        assert offsets.span(pos, len(text)) == (start, max(start, offsets.end(len(text))))
        if ch != "x":  # an original character maps back onto itself
            k = ord(ch) - 0x4E00
            assert start <= k and end == k + 1


@given(st.data())
def test_first_fold_into_a_fresh_map_equals_the_general_fold(data: st.DataObject) -> None:
    # A fresh (identity) map takes a step's edits by a shortcut; it must build the
    # segments the general fold builds.
    n = data.draw(st.integers(0, 40))
    points = sorted(data.draw(st.lists(st.integers(0, n), min_size=2, max_size=10)))
    edits = [(points[i], points[i + 1], data.draw(st.integers(0, 3))) for i in range(0, len(points) - 1, 2)]
    edits = [e for k, e in enumerate(edits) if not (e[0] == e[1] and e[2] == 0)
             and (k == 0 or e[0] > edits[k - 1][1] or (e[0] == edits[k - 1][1] and e[0] < e[1]))]
    if not edits:
        return
    length = n + sum(r - (b - a) for a, b, r in edits)
    fresh, general = OffsetMap(n), OffsetMap(n)
    general._identity = False  # take the general path on the same one-segment map
    fresh.apply(edits, length)
    general.apply(edits, length)
    assert (fresh._t, fresh._o, fresh._oe, fresh._copy) == (general._t, general._o, general._oe, general._copy)


def test_unicode_categories_of_invisible_table() -> None:
    # Every character the 'invisible' step removes is a format or other invisible character.
    from treaty.resources import load_data

    for ch in load_data("normalise.yaml")["invisible"]:
        assert unicodedata.category(ch) in ("Cf",), hex(ord(ch))
