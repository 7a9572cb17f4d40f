"""Structure parsing: throughput against a bare line scan, scaling, grammar load time."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys

from harness import ROOT, Context, Table, mchars, median_time

from treaty.api import parse_source
from treaty.normalise import normalise
from treaty.parse import parse_structure
from treaty.source import from_string

ORDER = 10


def bare_scan(texts: list[str]) -> None:
    for text in texts:
        for _ in re.finditer(r"(?m)^", text):
            pass


def grammar_stage(texts: list[str]) -> None:
    for text in texts:
        parse_structure(text)


def normalise_and_grammar(texts: list[str]) -> None:
    for text in texts:
        parse_structure(normalise(text).text)


def structure(texts: list[str]) -> None:
    for text in texts:
        parse_source(from_string(text), classify_clauses=False)


def _rows(table: Table, texts: list[str], label: str, repeat: int) -> None:
    n = sum(map(len, texts))
    # The parser proper reads normalised text (what it is given in the pipeline);
    # the normalisers and the tree-to-models step are timed beside it.
    normalised = [normalise(text).text for text in texts]
    bare = median_time(lambda: bare_scan(texts), repeat)
    stage = median_time(lambda: grammar_stage(normalised), repeat)
    with_normalise = median_time(lambda: normalise_and_grammar(texts), repeat)
    full = median_time(lambda: structure(texts), repeat)
    table.add(f"bare re.finditer line scan, {label}", mchars(n, bare))
    table.add(f"parser: grammar (lex, LALR, positions), {label}",
              f"{mchars(n, stage)} = {bare / stage:.1%} of bare scan", ">= 15% of bare scan", bare / stage >= 0.15)
    table.add(f"normalise + parser, {label}", f"{mchars(n, with_normalise)} = {bare / with_normalise:.1%} of bare scan")
    table.add(f"structure parse to models, {label}", f"{mchars(n, full)} = {bare / full:.1%} of bare scan")


def run(table: Table, ctx: Context) -> None:
    _rows(table, ctx.examples, f"examples ({sum(map(len, ctx.examples)) / 1e3:.0f} k chars)", ctx.repeat)
    if ctx.corpus:
        _rows(table, ctx.corpus, ctx.corpus_label(), max(1, ctx.repeat - 2))
    else:
        table.add("nl-treaties corpus", "not present (../shared/corpus/nl-treaties)")
    unit = "\n\n".join(ctx.examples)
    rates = []
    for factor in (1, 10, 100):
        text = "\n\n".join([unit] * factor)
        seconds = median_time(lambda: structure([text]), max(1, ctx.repeat // (2 if factor == 100 else 1)))
        rates.append(len(text) / seconds)
        table.add(f"structure parse of examples x{factor} ({len(text) / 1e6:.1f} M chars)", mchars(len(text), seconds))
    spread = max(rates) / min(rates)
    table.add("throughput spread 1x..100x", f"{spread:.2f}x", "<= 1.5x (linear)", spread <= 1.5)
    code = ("import time; from treaty.parse import structure_parser; s = time.perf_counter(); structure_parser(); "
            "print(time.perf_counter() - s)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout) for _ in range(5)]
    ms = statistics.median(runs) * 1000
    table.add("grammar load (fresh process, parse tables cached)", f"{ms:.1f} ms", "< 20 ms", ms < 20)
