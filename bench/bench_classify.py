"""Parse + classify throughput on the corpus (one core)."""

from __future__ import annotations

from harness import Context, Table, mchars, median_time

import treaty

ORDER = 20


def _stream(texts: list[str]) -> None:
    for text in texts:
        treaty.parse(text)  # as `treaty corpus` does: each agreement written and let go


def run(table: Table, ctx: Context) -> None:
    texts = ctx.corpus or ctx.examples
    label = ctx.corpus_label() if ctx.corpus else "examples (corpus not present)"
    n = sum(map(len, texts))
    seconds = median_time(lambda: _stream(texts), max(1, ctx.repeat - 2))
    table.add(f"parse + classify, {label}, one at a time", mchars(n, seconds), ">= 5 M chars/s", n / seconds >= 5e6)
    # Keeping every agreement alive makes Python's collector revisit them all
    # from time to time: shown for comparison, it is not the target row.
    kept = median_time(lambda: [treaty.parse(t) for t in texts], 1)
    table.add(f"parse + classify, {label}, all kept in memory", mchars(n, kept))
