"""Exports: dump and load of the corpus as JSON Lines, JSON, YAML (libyaml C vs pure Python) and CSV."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, TypeVar

from harness import Context, Table

import treaty
from treaty.export import C_YAML, from_jsonl, iter_exports, open_writer, to_csv, to_json, to_jsonl, to_yaml

ORDER = 40
T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The result of ``fn`` and the median wall time of ``repeat`` runs (garbage collected before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def _rate(size: int, seconds: float) -> str:
    return f"{seconds:.3g} s = {size / seconds / 1e6:.1f} MB/s"


def run(table: Table, ctx: Context) -> None:
    if ctx.corpus:
        texts, label = ctx.corpus, ctx.corpus_label()
    else:
        texts, label = ctx.examples, f"examples ({len(ctx.examples)} texts)"
        table.add("nl-treaties corpus", "not present (../shared/corpus/nl-treaties): examples only")
    agreements = [treaty.parse(t) for t in texts]  # parsed once; only exporting is timed
    repeat = max(1, ctx.repeat - 2)
    # Pure-Python YAML of the whole corpus takes minutes: one run is steady enough.
    slow = 1 if ctx.corpus else repeat
    table.add(f"export input, {label}", f"{len(agreements)} agreements, "
              f"{sum(1 for a in agreements for _ in a.clauses()):,} clauses")

    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, Path] = {}

        def dump(what: str, fn: Callable[[], str], times: int) -> str:
            text, seconds = timed(fn, times)
            size = len(text.encode("utf-8"))
            table.add(f"dump {what}", _rate(size, seconds) + f" ({size / 1e6:.1f} MB)")
            return text

        jsonl = dump("JSON Lines (to_jsonl)", lambda: to_jsonl(agreements), repeat)
        json_text = dump("JSON array (to_json, indent 2)", lambda: to_json(agreements), repeat)
        dump("CSV clause + agreement tables (to_csv)",
             lambda: to_csv(agreements) + to_csv(agreements, "agreements"), repeat)
        c_yaml = dump("YAML, libyaml C emitter", lambda: to_yaml(agreements), slow)
        py_yaml = dump("YAML, pure-Python emitter", lambda: to_yaml(agreements, pure_python=True), slow)
        table.add("YAML C and pure-Python text", "identical" if c_yaml == py_yaml else "DIFFERENT",
                  "identical", c_yaml == py_yaml)
        if not C_YAML:
            table.add("libyaml", "not available: both YAML rows are pure Python")

        for name, text in (("jsonl", jsonl), ("json", json_text + "\n"), ("yaml", c_yaml)):
            files[name] = Path(tmp) / f"corpus.{name}"
            files[name].write_text(text, encoding="utf-8")

        def load(what: str, fn: Callable[[], list], path: Path, times: int) -> None:
            loaded, seconds = timed(fn, times)
            table.add(f"load {what}", _rate(path.stat().st_size, seconds))
            table.add("  loaded agreements equal to the dumped ones", str(loaded == agreements), "True",
                      loaded == agreements)

        def stream(path: Path) -> int:
            return sum(1 for _ in iter_exports(path))

        load("JSON Lines, from_jsonl (validated, into a list)", lambda: from_jsonl(files["jsonl"]),
             files["jsonl"], repeat)
        _, seconds = timed(lambda: stream(files["jsonl"]), repeat)
        table.add("stream JSON Lines, iter_exports (one agreement at a time)",
                  _rate(files["jsonl"].stat().st_size, seconds))
        load("JSON array, iter_exports (validated, into a list)", lambda: list(iter_exports(files["json"])),
             files["json"], repeat)
        load("YAML, libyaml C parser, iter_exports (validated, into a list)",
             lambda: list(iter_exports(files["yaml"])), files["yaml"], slow)
        load("YAML, pure-Python parser, iter_exports (validated, into a list)",
             lambda: list(iter_exports(files["yaml"], pure_python=True)), files["yaml"], slow)

        def write_all() -> None:
            with open_writer(Path(tmp) / "out.jsonl") as writer:
                for agreement in agreements:
                    writer.write(agreement)

        _, seconds = timed(write_all, repeat)
        table.add("open_writer .jsonl, flushed per agreement", _rate(len(jsonl.encode("utf-8")), seconds))
