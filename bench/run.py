"""Benchmarks: one command, one table, every target beside its measurement.

    python bench/run.py              # everything that can run here
    python bench/run.py --quick      # fewer repeats, a tenth of the corpus
    python bench/run.py structure    # only the sections whose name contains 'structure'

Each section is a module bench/bench_<name>.py with ``run(table, ctx)``.
Timings are medians of several runs, measured side by side in the same run.
The Dutch treaty corpus (../shared/corpus/nl-treaties) is used when present.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Context, Table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a tenth of the corpus")
    parser.add_argument("only", nargs="*", help="run only sections whose name contains one of these words")
    args = parser.parse_args()
    ctx = Context(quick=args.quick, repeat=3 if args.quick else 5)
    import lark

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
          f"Python {platform.python_version()}, lark {lark.__version__}")
    modules = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem[len("bench_"):]
        if args.only and not any(word in name for word in args.only):
            continue
        module = importlib.import_module(path.stem)
        modules.append((getattr(module, "ORDER", 50), name, module))
    table = Table()
    for _order, name, module in sorted(modules):
        print(f"[{name}]", flush=True)
        module.run(table, ctx)
    table.print()


if __name__ == "__main__":
    main()
