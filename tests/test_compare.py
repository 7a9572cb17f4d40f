"""compare(): obligation profiles, clause alignment, coverage, similarity; compare_many(); render().

Golden comparisons live in tests/golden/compare/; regenerate after an intended
change with ``pytest tests/test_compare.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

import treaty
from treaty.compare import (Comparison, CorpusComparison, SimilarityIndex, compare, compare_many, jaccard,
                            operative_text, render, shingles)

from .conftest import EXAMPLE_TEXTS, EXAMPLES, GOLDEN, NL_CORPUS, needs_corpus

GOLDEN_COMPARE = GOLDEN / "compare"
KEY_POINTS = "2024-russia-dprk-key-points-news"
USSR_1961 = "1961-ussr-dprk-treaty"
NATO = "1949-north-atlantic-treaty"


@functools.lru_cache(maxsize=None)
def example(stem: str) -> treaty.Agreement:
    return treaty.load(EXAMPLES / f"{stem}.txt")


@functools.lru_cache(maxsize=None)
def parsed(text: str) -> treaty.Agreement:
    return treaty.parse(text)


# ------------------------------------------------------------------ must show

@pytest.fixture(scope="module")
def ussr_vs_key_points() -> Comparison:
    # Older first: "added" is what the 2024 treaty adds.
    return compare(example(USSR_1961), example(KEY_POINTS))


def test_1961_and_2024_both_carry_the_defence_obligation(ussr_vs_key_points: Comparison) -> None:
    defence = ussr_vs_key_points.profile.get("defence")
    assert defence.status == "both"
    assert defence.provisions_a == ["art1.p2"] and defence.provisions_b == ["item4"]
    attrs = {t.attribute: t for t in defence.attributes}
    for name, value in [("trigger", ["state_of_war"]), ("timing", ["immediate"]),
                        ("assistance", ["military", "other"]), ("means", ["all_available"])]:
        assert attrs[name].a == attrs[name].b == value and attrs[name].same
        assert name not in defence.differences
    assert "legal_basis" in defence.differences
    assert attrs["legal_basis"].a == [] and attrs["legal_basis"].b == ["UN Charter art. 51"]


def test_1961_article_1_second_paragraph_matches_2024_item_4(ussr_vs_key_points: Comparison) -> None:
    pair = ussr_vs_key_points.pair("art1.p2", "item4", "defence")
    assert pair is not None and pair.op == "changed"
    for name in ("trigger", "timing", "assistance", "means", "obligations"):
        assert name not in pair.fields
    x, y = pair.a.clause, pair.b.clause  # type: ignore[union-attr]
    assert x.trigger == y.trigger == "state_of_war"
    assert x.timing == y.timing == "immediate"
    assert set(x.assistance) == set(y.assistance) == {"military", "other"}
    assert x.means == y.means == "all_available"
    changes = {c.field: c for c in pair.changes}
    assert changes["legal_basis"].a == [] and changes["legal_basis"].b == ["UN Charter art. 51"]
    assert 0 < pair.similarity < 1  # type: ignore[operator]


def test_2024_adds_art_51_consultation_and_new_fields(ussr_vs_key_points: Comparison) -> None:
    c = ussr_vs_key_points
    assert "UN Charter art. 51" in c.references.only_b
    consultation = c.profile.get("consultation")
    assert consultation.status == "only_b" and consultation.provisions_b == ["item3"]
    assert "consultation" in c.profile.only_b
    added = c.by_op("added")
    item3 = [e for e in added if e.b.provision == "item3"]  # type: ignore[union-attr]
    assert item3 and "consultation" in item3[0].b.clause.obligations  # type: ignore[union-attr]
    added_types = {e.type for e in added}
    assert {"trade", "legal", "information"} <= added_types
    coverage = {x.type: x for x in c.coverage.types}
    assert coverage["legal"].a == 0 < coverage["legal"].b
    assert coverage["information"].a == 0 < coverage["information"].b
    assert coverage["trade"].b > coverage["trade"].a


def test_1961_no_hostile_alliance_matches_2024_item_5(ussr_vs_key_points: Comparison) -> None:
    pair = ussr_vs_key_points.pair("art2", "item5", "defence")
    assert pair is not None and pair.a is not None and pair.b is not None
    assert pair.a.clause.modality == pair.b.clause.modality == "prohibition"
    for ref in (pair.a, pair.b):
        assert "no_hostile_alliance" in ref.clause.topics  # type: ignore[union-attr]


def test_nato_and_2024_differ_in_scope_and_means() -> None:
    c = compare(example(NATO), example(KEY_POINTS))
    defence = c.profile.get("defence")
    assert defence.status == "both"
    attrs = {t.attribute: t for t in defence.attributes}
    assert attrs["scope"].a == ["in Europe or North America"] and attrs["scope"].b == []
    assert attrs["means"].a == ["as_deemed_necessary"] and attrs["means"].b == ["all_available"]
    assert {"scope", "means"} <= set(defence.differences)
    pair = c.pair("art5", "item4", "defence")
    assert pair is not None and {"scope", "means"} <= set(pair.fields)


def test_report_leads_with_profile_then_alignment_then_only_a_and_b(ussr_vs_key_points: Comparison) -> None:
    for fmt in ("text", "markdown"):
        report = render(ussr_vs_key_points, fmt)
        at = [report.index(s) for s in ("ATOP obligations", "Aligned clauses", "Only in A", "Only in B")]
        assert at == sorted(at)
        head = report[:report.index("Aligned clauses")]
        assert "consultation only in B" in head and "UN Charter art. 51" in head
        assert "item3" in report[report.index("Only in B"):]


# --------------------------------------------------------------------- golden

GOLDEN_PAIRS = [(USSR_1961, KEY_POINTS), (NATO, KEY_POINTS), ("2024-russia-dprk-kcna", KEY_POINTS)]


def _check_golden(path: Path, produced: str, update: bool) -> None:
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(produced, encoding="utf-8")
        if not update:
            pytest.fail(f"{path.name} did not exist; written now - review and commit it")
    assert produced == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("a,b", GOLDEN_PAIRS, ids=lambda s: s.split("-")[0] if s[0].isdigit() else s)
def test_comparison_matches_golden(a: str, b: str, update_golden: bool) -> None:
    c = compare(example(a), example(b))
    stem = GOLDEN_COMPARE / f"{a}--{b}"
    _check_golden(stem.with_suffix(".yaml"), render(c, "yaml"), update_golden)
    _check_golden(stem.with_suffix(".md"), render(c, "markdown"), update_golden)
    assert Comparison.model_validate(yaml.safe_load(stem.with_suffix(".yaml").read_text(encoding="utf-8"))) == c


def test_corpus_comparison_of_examples_matches_golden(update_golden: bool) -> None:
    many = compare_many(treaty.load(p) for p in EXAMPLE_TEXTS)
    _check_golden(GOLDEN_COMPARE / "examples.md", render(many, "markdown"), update_golden)


# ----------------------------------------------------------------- properties

# Articles the classifier reads as different clause types; each is distinct.
ARTICLES = [
    "Should either Party be subjected to an armed attack, the other Party shall immediately provide "
    "military assistance with all available means.",
    "The Parties shall consult together whenever the security of either of them is threatened.",
    "Neither Party shall enter into any alliance directed against the other Party.",
    "The Parties shall promote trade and investment in energy and agriculture.",
    "The Parties shall cooperate in combating terrorism and drug trafficking.",
    "The Parties shall extend mutual legal assistance in criminal matters.",
    "The Parties shall cooperate in information security and combat disinformation.",
    "The Parties shall develop exchanges in culture, education and sport.",
    "The Parties shall cooperate within the United Nations on matters of world order.",
    "This Agreement shall enter into force on the date of signature.",
    "Either Party may terminate this Agreement by written notice.",
    "Disputes shall be settled by negotiation between the Parties.",
]
NONSENSE = ["zorblax", "quimble", "frobnicate", "wibbly", "snorkels", "plinth", "gazump", "oxter", "vorpal"]


def agreement_text(articles: list[str]) -> str:
    body = "\n\n".join(f"Article {i}\n{text}" for i, text in enumerate(articles, 1))
    return f"AGREEMENT BETWEEN ALPHA AND BETA\n\n{body}\n"


articles_st = st.lists(st.sampled_from(ARTICLES), min_size=1, max_size=7)
fast = settings(max_examples=60)


@fast
@given(articles_st)
def test_comparing_an_agreement_with_itself_reports_nothing_changed(articles: list[str]) -> None:
    x = parsed(agreement_text(articles))
    c = compare(x, x)
    assert all(e.op == "unchanged" and not e.moved and not e.changes for e in c.edits)
    assert len(c.edits) == sum(1 for _ in x.clauses())
    assert c.summary.unchanged == len(c.edits)
    assert c.similarity == 1.0
    assert not c.profile.only_a and not c.profile.only_b
    assert all(not o.differences for o in c.profile.obligations)
    assert not c.references.only_a and not c.references.only_b
    assert all(row.a == row.b for row in c.coverage.types + c.coverage.subtopics)  # type: ignore[operator]


@fast
@given(articles_st, articles_st)
def test_compare_b_a_mirrors_compare_a_b(left: list[str], right: list[str]) -> None:
    a, b = parsed(agreement_text(left)), parsed(agreement_text(right))
    ab, ba = compare(a, b), compare(b, a)
    assert ba == ab.mirror()
    assert ab.summary.added == ba.summary.removed and ab.summary.removed == ba.summary.added
    assert ab.similarity == ba.similarity


@fast
@given(articles_st, articles_st, st.lists(st.sampled_from(NONSENSE), min_size=3, max_size=8))
def test_adding_an_unrelated_article_to_b_changes_only_added(left: list[str], right: list[str],
                                                             words: list[str]) -> None:
    a, b = parsed(agreement_text(left)), parsed(agreement_text(right))
    extra = "The " + " ".join(words) + "."
    b2 = parsed(agreement_text(right + [extra]))
    new_id = f"art{len(right) + 1}"
    before, after = compare(a, b), compare(a, b2)
    new = [e for e in after.edits if (e.b is not None and e.b.provision == new_id)]
    assert new and all(e.op == "added" for e in new)
    assert [e for e in after.edits if e not in new] == before.edits
    assert after.summary.model_dump() == {**before.summary.model_dump(), "added": before.summary.added + len(new)}
    assert after.profile == before.profile


@fast
@given(st.lists(st.sampled_from(ARTICLES), min_size=2, max_size=7, unique=True), st.data())
def test_swapped_articles_are_moved_not_removed_and_added(articles: list[str], data: st.DataObject) -> None:
    i, j = data.draw(st.lists(st.integers(0, len(articles) - 1), min_size=2, max_size=2, unique=True))
    swapped = list(articles)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    c = compare(parsed(agreement_text(articles)), parsed(agreement_text(swapped)))
    assert not c.by_op("added", "removed", "changed")
    moved = {e.a.provision for e in c.edits if e.moved}  # type: ignore[union-attr]
    assert moved == {f"art{i + 1}", f"art{j + 1}"}
    assert all(e.op == "moved" for e in c.edits if e.moved)


def test_an_edited_article_is_changed_with_the_field_named() -> None:
    a = parsed(agreement_text(ARTICLES[:3]))
    edited = ARTICLES[0].replace("military assistance", "military and other assistance")
    b = parsed(agreement_text([edited] + ARTICLES[1:3]))
    c = compare(a, b)
    pair = c.pair("art1", "art1", "defence")
    assert pair is not None and pair.op == "changed" and not pair.moved
    assert "assistance" in pair.fields and "text" in pair.fields and "trigger" not in pair.fields
    assert c.summary.unchanged == len(c.edits) - 1


def test_agreements_without_clauses_compare() -> None:
    empty = parsed("A short note without any provision in it.")
    c = compare(empty, parsed(agreement_text(ARTICLES[:2])))
    assert c.summary.removed == 0 and c.summary.added == len(c.edits) > 0
    assert "Only in B" in render(c, "text")


# -------------------------------------------------------------- similarity

def test_shingles_and_jaccard_follow_the_convention() -> None:
    assert shingles("Ab  CDEF") == {"ab cd", "b cde", " cdef"}
    assert shingles("abc") == {"abc"} and shingles("  ") == set()
    assert jaccard(shingles("abcdef"), shingles("abcdeg")) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 1.0 and jaccard({"x"}, set()) == 0.0


def test_operative_text_leaves_out_preamble_and_signatures() -> None:
    x = example(NATO)
    text = operative_text(x)
    assert "armed attack against one or more of them in Europe or North America" in text
    assert "Parties to this Treaty reaffirm their faith" not in text


def test_index_gives_exact_jaccard() -> None:
    texts = [operative_text(treaty.load(p)) for p in EXAMPLE_TEXTS]
    index = SimilarityIndex()
    for t in texts:
        index.add(t)
    expected = [[jaccard(shingles(s), shingles(t)) for t in texts] for s in texts]
    assert index.matrix() == expected
    query = texts[2][: len(texts[2]) // 2] + " an unseen tail of words"
    assert index.similarities(query) == [jaccard(shingles(query), shingles(t)) for t in texts]


@pytest.fixture(scope="module")
def many() -> tuple[list[treaty.Agreement], CorpusComparison]:
    agreements = [treaty.load(p) for p in EXAMPLE_TEXTS]
    return agreements, compare_many(agreements)


def test_compare_many_agrees_with_compare(many: tuple[list[treaty.Agreement], CorpusComparison]) -> None:
    agreements, result = many
    n = len(agreements)
    assert result.names == [p.stem for p in EXAMPLE_TEXTS]
    for i in range(n):
        assert result.similarity[i][i] == 1.0
        for j in range(n):
            assert result.similarity[i][j] == result.similarity[j][i]
    i, j = result.names.index(USSR_1961), result.names.index(KEY_POINTS)
    pair = compare(agreements[i], agreements[j])
    assert result.similarity[i][j] == pytest.approx(pair.similarity, abs=1e-6)
    assert set(result.profile_differences[i][j]) == set(pair.profile.only_a + pair.profile.only_b) != set()
    assert result.profile_differences[i][i] == []


def test_nearest_excludes_itself_and_ranks_by_similarity(
        many: tuple[list[treaty.Agreement], CorpusComparison]) -> None:
    agreements, result = many
    k = result.names.index(KEY_POINTS)
    near = result.nearest(agreements[k], 3)
    assert len(near) == 3 and KEY_POINTS not in [n.name for n in near]
    assert [n.similarity for n in near] == sorted((n.similarity for n in near), reverse=True)
    best = max((s, name) for name, s in zip(result.names, result.similarity[k]) if name != KEY_POINTS)
    assert (near[0].similarity, near[0].name) == best
    # The 2024 KCNA report and the key points describe the same treaty.
    assert near[0].name == "2024-russia-dprk-kcna"
    # by name, also on a comparison loaded back from JSON (which carries no index)
    loaded = CorpusComparison.model_validate_json(render(result, "json"))
    assert loaded.nearest(KEY_POINTS, 3) == near
    with pytest.raises(ValueError):
        loaded.nearest(agreements[k], 3)
    with pytest.raises(KeyError):
        loaded.nearest("no-such-agreement")


def test_compare_many_checks_names() -> None:
    x = parsed(agreement_text(ARTICLES[:2]))
    assert compare_many([x, x]).names == ["sha256:" + x.source.sha256[:12], "sha256:" + x.source.sha256[:12] + "#2"]
    with pytest.raises(ValueError):
        compare_many([x, x], names=["one"])
    with pytest.raises(ValueError):
        compare_many([x, x], names=["one", "one"])


# ------------------------------------------------------------------ render

def test_render_formats_round_trip(ussr_vs_key_points: Comparison,
                                   many: tuple[list[treaty.Agreement], CorpusComparison]) -> None:
    c = ussr_vs_key_points
    assert Comparison.model_validate(json.loads(render(c, "json"))) == c
    assert Comparison.model_validate(yaml.safe_load(render(c, "yaml"))) == c
    _, result = many
    loaded = CorpusComparison.model_validate(yaml.safe_load(render(result, "yaml")))
    assert loaded.similarity == result.similarity and loaded.names == result.names
    text = render(result, "text")
    assert text.index("ATOP obligations") < text.index("Text similarity") < text.index("Most similar pairs")
    with pytest.raises(ValueError):
        render(c, "html")


# ------------------------------------------------------------------ corpus

@needs_corpus
@pytest.mark.corpus
def test_corpus_sample_compares_and_indexes_exactly() -> None:
    paths = sorted(NL_CORPUS.glob("*.md"))
    sample = random.Random(4).sample(paths, 30)
    agreements = [treaty.load(p) for p in sample]
    result = compare_many(agreements)
    shingled = [shingles(operative_text(x)) for x in agreements]
    for i in range(0, 30, 7):
        assert result.similarity[i] == [jaccard(shingled[i], s) for s in shingled]
    for x in agreements[:10]:
        c = compare(x, x)
        assert all(e.op == "unchanged" for e in c.edits)
    for x, y in zip(agreements[:10], agreements[10:20]):
        assert compare(y, x) == compare(x, y).mirror()


def test_order_moves_are_the_same_seen_from_either_side() -> None:
    from treaty.compare import _in_order

    # 0->1, 1->2, 2->0: the third pair jumped back past the other two
    assert _in_order([(0, 1), (1, 2), (2, 0)]) == [True, True, False]
    assert _in_order([(1, 0), (2, 1), (0, 2)]) == [True, True, False]
    # two swapped neighbours: each is on some longest chain (their renumbering marks them moved)
    assert _in_order([(0, 1), (1, 0)]) == [True, True]
    assert _in_order([]) == []


def test_references_leave_out_the_agreements_own_articles() -> None:
    c = compare(example(NATO), example(KEY_POINTS))
    assert "constitutional processes" in c.references.only_a
    assert not any(r.startswith("art. ") for r in c.references.only_a + c.references.both)
