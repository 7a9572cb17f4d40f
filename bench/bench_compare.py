"""Comparison: all-pairs similarity over the corpus, nearest-neighbour queries and how they scale.

Agreements are parsed once per run (kept in ``ctx.extra["agreements"]`` for
other sections); parsing is reported but is not part of the comparison targets,
except in the end-to-end query of a new raw text.  A few texts spread over the
corpus are held out of the index as "new" queries.
"""

from __future__ import annotations

import statistics
import time

from harness import Context, Table

import treaty
from treaty.compare import compare, compare_many

ORDER = 40

ALL_PAIRS_TARGET_S = 60.0
QUERY_TARGET_S = 1.0
# "Close to linear": four times the texts may cost at most five times as much.
SCALING_TARGET = 5.0


def _seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.1f} s"


def _agreements(table: Table, ctx: Context, texts: list[str]) -> list[treaty.Agreement]:
    cached = ctx.extra.get("agreements")
    if cached is not None and len(cached) == len(texts):
        return cached
    start = time.perf_counter()
    agreements = [treaty.parse(t) for t in texts]
    ctx.extra["agreements"] = agreements
    table.add("parse + classify before comparing (not part of the targets)", _seconds(time.perf_counter() - start))
    return agreements


def _query_times(many, queries: list[treaty.Agreement]) -> list[float]:  # noqa: ANN001
    times = []
    for q in queries:
        start = time.perf_counter()
        many.nearest(q, 5)
        times.append(time.perf_counter() - start)
    return times


def run(table: Table, ctx: Context) -> None:
    corpus = bool(ctx.corpus)
    texts = ctx.corpus if corpus else ctx.examples
    label = ctx.corpus_label() if corpus else "examples (corpus not present: targets not judged)"
    judge = (lambda ok: ok) if corpus else (lambda ok: None)
    agreements = _agreements(table, ctx, texts)
    names = [p.stem for p in ctx.corpus_paths] if corpus else None

    start = time.perf_counter()
    compare_many(agreements, names)
    seconds = time.perf_counter() - start
    n = len(agreements)
    table.add(f"compare_many all-pairs similarity matrix, {label}",
              f"{_seconds(seconds)} ({n * (n - 1) // 2} pairs)", f"< {ALL_PAIRS_TARGET_S:.0f} s",
              judge(seconds < ALL_PAIRS_TARGET_S))

    # Held-out texts are the "new" texts of the queries.
    step = max(2, n // 20)
    held = set(range(step // 2, n, step))
    indexed = [a for i, a in enumerate(agreements) if i not in held]
    indexed_names = [p.stem for i, p in enumerate(ctx.corpus_paths) if i not in held] if corpus else None
    queries = [agreements[i] for i in sorted(held)]
    query_texts = [texts[i] for i in sorted(held)]
    full = compare_many(indexed, indexed_names)
    times = _query_times(full, queries)
    median = statistics.median(times)
    table.add(f"nearest(k=5) for a new parsed text, index of {len(indexed)} (median of {len(queries)})",
              f"{_seconds(median)} (max {_seconds(max(times))})", f"< {QUERY_TARGET_S:.0f} s",
              judge(max(times) < QUERY_TARGET_S))
    ends = []
    for text in query_texts:
        start = time.perf_counter()
        full.nearest(treaty.parse(text), 5)
        ends.append(time.perf_counter() - start)
    table.add("nearest(k=5) for a new raw text, parse included",
              f"{_seconds(statistics.median(ends))} (max {_seconds(max(ends))})", f"< {QUERY_TARGET_S:.0f} s",
              judge(statistics.median(ends) < QUERY_TARGET_S))

    # The same queries against a quarter, a half and all of the index.
    medians = {}
    for factor, stride in ((1, 4), (2, 2), (4, 1)):
        subset = indexed[::stride]
        index = full if stride == 1 else compare_many(subset, indexed_names[::stride] if indexed_names else None)
        medians[factor] = statistics.median(_best_of(index, queries, max(1, ctx.repeat // 2)))
        table.add(f"nearest query time, {factor}x ({len(subset)} texts)", _seconds(medians[factor]))
    ratio2, ratio4 = medians[2] / medians[1], medians[4] / medians[1]
    table.add("query time growth 1x -> 2x -> 4x texts", f"{ratio2:.2f}x, {ratio4:.2f}x (linear: 2x, 4x)",
              f"4x texts <= {SCALING_TARGET:.0f}x time", judge(ratio4 <= SCALING_TARGET))

    # Two at a time, for scale: the biggest pair of texts in clauses.
    by_size = sorted(agreements, key=lambda a: -sum(1 for _ in a.clauses()))[:2]
    sizes = [sum(1 for _ in a.clauses()) for a in by_size]
    if len(by_size) == 2:
        start = time.perf_counter()
        compare(by_size[0], by_size[1])
        table.add(f"compare() of the two biggest texts ({sizes[0]} x {sizes[1]} clauses)",
                  _seconds(time.perf_counter() - start))


def _best_of(index, queries: list[treaty.Agreement], repeat: int) -> list[float]:  # noqa: ANN001
    """Per query, the fastest of ``repeat`` runs (the machine is shared; the minimum is the cost)."""
    runs = [_query_times(index, queries) for _ in range(repeat)]
    return [min(r[k] for r in runs) for k in range(len(queries))]
