"""Parse + classify throughput on the corpus (one core)."""

from __future__ import annotations

import statistics

from harness import Context, Table, mchars, median_time, run_times

import treaty

ORDER = 20


def _stream(texts: list[str]) -> None:
    for text in texts:
        treaty.parse(text)  # as `treaty corpus` does: each agreement written and let go


def run(table: Table, ctx: Context) -> None:
    texts = ctx.corpus or ctx.examples
    label = ctx.corpus_label() if ctx.corpus else "examples (corpus not present)"
    n = sum(map(len, texts))
    # Warm up on every 20th text first: loading the vocabularies and compiling the
    # phrase patterns happens once per process (the start-up rows time that), and
    # would otherwise fall on the first timed run.
    _stream(texts[::20])
    times = run_times(lambda: _stream(texts), max(1, ctx.repeat - 2))
    seconds = statistics.median(times)
    # Every run is shown: on a shared machine the spread says how far to trust the median.
    runs = ", ".join(f"{n / t / 1e6:.2f}" for t in times)
    table.add(f"parse + classify, {label}, one at a time (median; runs {runs})", mchars(n, seconds),
              ">= 5 M chars/s", n / seconds >= 5e6)
    # Keeping every agreement alive makes Python's collector revisit them all
    # from time to time: shown for comparison, it is not the target row.
    kept = median_time(lambda: [treaty.parse(t) for t in texts], 1)
    table.add(f"parse + classify, {label}, all kept in memory", mchars(n, kept))
