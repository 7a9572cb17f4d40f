"""Pathological inputs finish in time linear in their size; memory for the corpus and its scaling."""

from __future__ import annotations

import json
import subprocess
import sys

from harness import ROOT, Context, Table, median_time

import treaty

ORDER = 60

# name -> (function of a scale factor giving the text, base size label)
FAMILIES = {
    "single line": lambda k: "The Parties shall cooperate in trade, " * (27_000 * k),     # 1 MB per unit
    "bullets": lambda k: "Key points of the agreement:\n" + "\n".join(f"- Expand trade {i}." for i in range(6_250 * k)),
    "Article headings": lambda k: "\n\n".join(f"Article {i}\n\nThe Parties shall consult." for i in range(1, 625 * k + 1)),
    "nested parentheses": lambda k: "(" * (50_000 * k) + "x" + ")" * (50_000 * k),
}
FACTORS = (1, 4, 16)


def _memory(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(out.strip().splitlines()[-1])


# Peak memory is read from /proc/self/status (VmHWM): getrusage's ru_maxrss
# would report the benchmark's own (inherited) high-water mark instead.
_HWM = """
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

_MEM = _HWM + """
import sys, json
sys.path.insert(0, {root!r})
import treaty
paths = json.loads({paths!r})
texts = [open(p, encoding="utf-8").read() for p in paths]
for _ in range({repeat}):
    for t in texts:
        treaty.parse(t)
print(hwm())
"""

_SCALE = _HWM + """
import sys
sys.path.insert(0, {root!r})
import treaty
text = open({path!r}, encoding="utf-8").read()
text = "\\n\\n".join([text] * {k})
a = treaty.parse(text, max_bytes=1 << 31)
print(hwm())
"""


def run(table: Table, ctx: Context) -> None:
    factors = FACTORS[:2] if ctx.quick else FACTORS
    for name, make in FAMILIES.items():
        rates = []
        for k in factors:
            text = make(k)
            seconds = median_time(lambda: treaty.parse(text), 1 if k > 1 else max(1, ctx.repeat - 2))
            rates.append(len(text) / seconds)
            table.add(f"pathological: {name} x{k} ({len(text) / 1e6:.1f} M chars)", f"{seconds:.2f} s")
        spread = max(rates) / min(rates)
        table.add(f"pathological: {name}, throughput spread", f"{spread:.2f}x", "<= 2x (linear)", spread <= 2)
    if ctx.corpus_paths:
        paths = [str(p) for p in ctx.corpus_paths]
        mb = _memory(_MEM.format(root=str(ROOT), paths=json.dumps(paths), repeat=1))
        table.add(f"peak memory, parsing {ctx.corpus_label()} one by one", f"{mb:.0f} MB")
        biggest = max(ctx.corpus_paths, key=lambda p: p.stat().st_size)
        mems = []
        for k in (1, 10, 100) if not ctx.quick else (1, 10):
            mems.append(_memory(_SCALE.format(root=str(ROOT), path=str(biggest), k=k)))
            table.add(f"peak memory, largest text x{k} ({biggest.stat().st_size * k / 1e6:.1f} MB)", f"{mems[-1]:.0f} MB")
        growth = (mems[-1] - mems[0]) / max(1e-9, mems[1] - mems[0]) if len(mems) > 2 else None
        if growth is not None:
            table.add("memory growth x10 -> x100 over x1 -> x10", f"{growth:.1f}x", "about 10x (linear)",
                      5 <= growth <= 15)
