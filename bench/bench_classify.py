"""Parse + classify throughput on the corpus (one core)."""

from __future__ import annotations

from harness import Context, Table, mchars, median_time

import treaty

ORDER = 20


def run(table: Table, ctx: Context) -> None:
    texts = ctx.corpus or ctx.examples
    label = ctx.corpus_label() if ctx.corpus else "examples (corpus not present)"
    n = sum(map(len, texts))
    seconds = median_time(lambda: [treaty.parse(t) for t in texts], max(1, ctx.repeat - 2))
    rate = n / seconds
    table.add(f"parse + classify, {label}", mchars(n, seconds), ">= 5 M chars/s", rate >= 5e6)
