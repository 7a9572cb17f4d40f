"""Robustness on real texts: the Dutch treaty database sample in ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import csv

import pytest

import treaty

from .conftest import NL_CORPUS, needs_corpus

pytestmark = [needs_corpus, pytest.mark.corpus]


@pytest.fixture(scope="module")
def parsed() -> list[tuple[dict[str, str], treaty.Agreement]]:
    with open(NL_CORPUS / "index.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row, treaty.load(NL_CORPUS / f"{row['id']}.md")) for row in rows]


def test_every_text_parses(parsed: list[tuple[dict[str, str], treaty.Agreement]]) -> None:
    assert len(parsed) == 1115
    assert all(a.nodes for _row, a in parsed)


def test_article_counts_agree_with_the_index(parsed: list[tuple[dict[str, str], treaty.Agreement]]) -> None:
    # index.tsv counts lines matching ^#*\s*Article\s (case-sensitive).  Where we
    # differ it is by design: sentences that merely mention an article ("Article 5
    # shall apply ..."), reference headings ("Article 6(2)", "Article 1, paragraph 4")
    # and upper-case "ARTICLE" headings the index does not count.
    agree = sum(1 for row, a in parsed
                if sum(1 for n in a.walk() if n.kind == "article") == int(row["articles"]))
    assert agree / len(parsed) >= 0.97


def test_articles_with_numbers_are_mostly_in_sequence(parsed: list[tuple[dict[str, str], treaty.Agreement]]) -> None:
    texts_with_articles = [a for _row, a in parsed if any(n.kind == "article" for n in a.walk())]
    clean = [a for a in texts_with_articles if not any(d.severity == "warning" for d in a.diagnostics)]
    assert len(clean) / len(texts_with_articles) >= 0.8
