"""Benchmarks: one command, one table, every target beside its measurement.

    python bench/run.py            # everything that can run here
    python bench/run.py --quick    # fewer repeats, a corpus sample

Timings are medians of several runs, measured side by side in the same
process.  The Dutch treaty corpus (../shared/corpus/nl-treaties) is used when
present; otherwise the rows that need it say so.
"""

from __future__ import annotations

import argparse
import gc
import glob
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import treaty  # noqa: E402
from treaty.normalise import normalise  # noqa: E402
from treaty.parse import parse_structure  # noqa: E402

CORPUS = Path(os.environ.get("TREATY_SHARED", ROOT.parent / "shared")) / "corpus" / "nl-treaties"
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".txt", ".md") and p.name != "SOURCES.md")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, measured: str, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        self.rows.append((what, measured, target, verdict))
        print(f"  {what}: {measured}" + (f"  (target {target}: {verdict})" if target else ""), flush=True)

    def print(self) -> None:
        headers = ("measurement", "result", "target", "")
        widths = [max(len(r[i]) for r in self.rows + [headers]) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        print()
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
        print(line)
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_texts(paths: list[Path]) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in paths]


def bare_scan(texts: list[str]) -> None:
    for text in texts:
        for _ in re.finditer(r"(?m)^", text):
            pass


def grammar_stage(texts: list[str]) -> None:
    for text in texts:
        parse_structure(normalise(text).text)


def full_parse(texts: list[str]) -> None:
    for text in texts:
        treaty.parse(text)


def mchars(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e6:.1f} M chars/s"


def bench_structure(table: Table, texts: list[str], label: str, repeat: int) -> None:
    n = sum(map(len, texts))
    bare = median_time(lambda: bare_scan(texts), repeat)
    stage = median_time(lambda: grammar_stage(texts), repeat)
    full = median_time(lambda: full_parse(texts), repeat)
    table.add(f"bare re.finditer line scan, {label}", mchars(n, bare))
    table.add(f"normalise + grammar (lex, LALR), {label}", f"{mchars(n, stage)} = {bare / stage:.0%} of bare scan",
              ">= 15% of bare scan", bare / stage >= 0.15)
    table.add(f"structure parse to models, {label}", f"{mchars(n, full)} = {bare / full:.0%} of bare scan")


def bench_scaling(table: Table, base: list[str], repeat: int) -> None:
    unit = "\n\n".join(base)
    rates = []
    for factor in (1, 10, 100):
        text = "\n\n".join([unit] * factor)
        seconds = median_time(lambda: treaty.parse(text), max(1, repeat // (2 if factor == 100 else 1)))
        rates.append(len(text) / seconds)
        table.add(f"structure parse of examples x{factor} ({len(text) / 1e6:.1f} M chars)", mchars(len(text), seconds))
    spread = max(rates) / min(rates)
    table.add("throughput spread 1x..100x", f"{spread:.2f}x", "<= 1.5x (linear)", spread <= 1.5)


def bench_grammar_load(table: Table) -> None:
    code = ("import time; from treaty.parse import structure_parser; s = time.perf_counter(); structure_parser(); "
            "print(time.perf_counter() - s)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout) for _ in range(5)]
    ms = statistics.median(runs) * 1000
    table.add("grammar load (fresh process)", f"{ms:.1f} ms", "< 20 ms", ms < 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a corpus sample")
    args = parser.parse_args()
    repeat = 3 if args.quick else 5
    table = Table()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, lark {__import__('lark').__version__}")
    examples = read_texts(EXAMPLES)
    bench_structure(table, examples, f"examples ({sum(map(len, examples)) / 1e3:.0f} k chars)", repeat)
    if CORPUS.is_dir():
        files = sorted(glob.glob(str(CORPUS / "*.md")))
        if args.quick:
            files = files[::10]
        corpus = read_texts([Path(f) for f in files])
        bench_structure(table, corpus, f"nl-treaties ({len(files)} texts, {sum(map(len, corpus)) / 1e6:.1f} M chars)",
                        max(1, repeat - 2))
    else:
        table.add("nl-treaties corpus", "not present (../shared/corpus/nl-treaties)")
    bench_scaling(table, examples, repeat)
    bench_grammar_load(table)
    table.print()


if __name__ == "__main__":
    main()
