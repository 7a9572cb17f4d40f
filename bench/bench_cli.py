"""The command line: cold start, and ``treaty corpus`` with one worker against two."""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, Context, Table

ORDER = 30
TREATY = shutil.which("treaty", path=str(Path(sys.executable).parent)) or "treaty"
SMALL_EXAMPLE = ROOT / "examples" / "1961-ussr-dprk-treaty.txt"


# Installed packages carry compiled bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
# would compile every module on every start, which is not what users see.
_PYCACHE = tempfile.mkdtemp(prefix="treaty-bench-pycache-")
atexit.register(shutil.rmtree, _PYCACHE, ignore_errors=True)
_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPYCACHEPREFIX": _PYCACHE}


def _timed(args: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall time and CPU time (user + system, all processes) of one ``treaty`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([TREATY, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   env=_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cold_start(table: Table, ctx: Context) -> None:
    runs = 5 if ctx.quick else 9
    for label, args in (("treaty --version", ["--version"]),
                        (f"treaty parse {SMALL_EXAMPLE.name}", ["parse", str(SMALL_EXAMPLE)])):
        _timed(args)  # writes the bytecode cache
        times = [_timed(args) for _ in range(runs)]
        ms = statistics.median(wall for wall, _cpu in times) * 1000
        cpu = statistics.median(cpu for _wall, cpu in times) * 1000
        table.add(f"cold start: {label} (median of {runs})", f"{ms:.0f} ms wall, {cpu:.0f} ms CPU",
                  "< 300 ms", ms < 300)


def _corpus(table: Table, ctx: Context) -> None:
    paths = ctx.corpus_paths
    if not paths:
        table.add("corpus --jobs 1 vs --jobs 2", "skipped: ../shared/corpus/nl-treaties not present")
        return
    label = f"nl-treaties, {len(paths)} texts" + (" (a tenth, --quick)" if ctx.quick else "")
    with tempfile.TemporaryDirectory(prefix="treaty-bench-") as tmp:
        folder = Path(tmp) / "texts"
        folder.mkdir()
        for path in paths:  # links, so that --quick can take every tenth text of the real folder
            os.symlink(path.resolve(), folder / path.name)
        # Alternate the two, so that other load on the machine falls on both alike, and keep
        # the best run of each: other processes can only add time.
        repeat = 3 if ctx.quick else 2
        runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        outputs: dict[int, list[list[bytes]]] = {1: [], 2: []}
        load = os.getloadavg()[0]
        for _ in range(repeat):
            for jobs in (1, 2):
                out = Path(tmp) / f"jobs{jobs}.csv"
                # CSV: the heaviest writer (every clause a row), and two files to compare.
                runs[jobs].append(_timed(["corpus", str(folder), "-o", str(out), "--jobs", str(jobs)], cwd=Path(tmp)))
                outputs[jobs].append([out.read_bytes(), out.with_name(out.stem + ".agreements.csv").read_bytes()])
    cores = os.cpu_count() or 1
    best = {jobs: min(runs[jobs]) for jobs in runs}
    for jobs in (1, 2):
        wall, cpu = best[jobs]
        table.add(f"treaty corpus --jobs {jobs} -o out.csv, {label}",
                  f"{wall:.1f} s wall ({len(paths) / wall:.0f} files/s), {cpu:.1f} s CPU "
                  f"(= {cpu / wall:.1f} cores busy), best of {repeat}; all: "
                  + ", ".join(f"{w:.1f}" for w, _c in runs[jobs]) + " s")
    speedup = best[1][0] / best[2][0]
    table.add(f"corpus --jobs 2 speed-up ({cores} cores, load average {load:.1f} before)", f"{speedup:.2f}x",
              "> 1x (faster than --jobs 1)", speedup > 1)
    first = outputs[1][0]
    same = all(o == first for o in outputs[1] + outputs[2])
    table.add(f"corpus outputs of all {2 * repeat} runs (--jobs 1 and 2)", "byte-identical" if same else "DIFFER",
              "byte-identical", same)


def run(table: Table, ctx: Context) -> None:
    _cold_start(table, ctx)
    _corpus(table, ctx)
