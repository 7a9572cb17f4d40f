"""Shared pieces of the benchmarks: the results table, timing, the texts."""

from __future__ import annotations

import gc
import glob
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = Path(os.environ.get("TREATY_SHARED", ROOT.parent / "shared")) / "corpus" / "nl-treaties"
EXAMPLE_PATHS = sorted(p for p in (ROOT / "examples").iterdir()
                       if p.suffix in (".txt", ".md") and p.name != "SOURCES.md")


class Table:
    """Rows of (measurement, result, target, verdict), printed as they come and again at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, measured: str, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        self.rows.append((what, measured, target, verdict))
        print(f"  {what}: {measured}" + (f"  (target {target}: {verdict})" if target else ""), flush=True)

    def print(self) -> None:
        headers = ("measurement", "result", "target", "")
        widths = [max(len(r[i]) for r in self.rows + [headers]) for i in range(4)]
        print()
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def run_times(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of ``repeat`` runs of ``fn`` (garbage collected before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs of ``fn`` (garbage collected before each)."""
    return statistics.median(run_times(fn, repeat))


def mchars(n: int, seconds: float) -> str:
    return f"{n / seconds / 1e6:.2f} M chars/s"


@dataclass
class Context:
    """What every benchmark section gets: repeat count, quick flag and the texts."""

    quick: bool = False
    repeat: int = 5
    extra: dict = field(default_factory=dict)

    @cached_property
    def examples(self) -> list[str]:
        return [p.read_text(encoding="utf-8") for p in EXAMPLE_PATHS]

    @cached_property
    def corpus_paths(self) -> list[Path]:
        if not CORPUS.is_dir():
            return []
        paths = [Path(p) for p in sorted(glob.glob(str(CORPUS / "*.md")))]
        return paths[::10] if self.quick else paths

    @cached_property
    def corpus(self) -> list[str]:
        return [p.read_text(encoding="utf-8") for p in self.corpus_paths]

    def corpus_label(self) -> str:
        return f"nl-treaties ({len(self.corpus)} texts, {sum(map(len, self.corpus)) / 1e6:.1f} M chars)"
