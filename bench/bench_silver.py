"""Clause types on provisions of treaties the rules were not written from (silver labels).

The labels are in ``bench/silver/provisions.yaml`` (how they were made: its
README).  Each provision is classified on its own, as the text of one article,
and scored like ``treaty evaluate``: a predicted type is right when it is among
the labelled ``types`` or ``also_ok``; a labelled type not predicted is a miss.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import yaml

import treaty
from harness import Context, Table
from treaty.models import CLAUSE_TYPES

ORDER = 60
SILVER = Path(__file__).resolve().parent / "silver" / "provisions.yaml"


def load_rows(path: Path = SILVER) -> list[dict[str, Any]]:
    """The labelled provisions, in file order."""
    with open(path, encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)
    if not isinstance(rows, list):
        raise ValueError(f"{path}: expected a list of provisions")
    return rows


def predict(text: str) -> tuple[set[str], set[str]]:
    """The clause types (without 'unclassified') and defence obligations read from one provision."""
    agreement = treaty.parse("Article 1\n" + text)
    types: set[str] = set()
    obligations: set[str] = set()
    for _node, clause in agreement.clauses():
        if clause.type != "unclassified":
            types.add(clause.type)
        if clause.type == "defence":
            obligations.update(clause.obligations)
    return types, obligations


def score(rows: Iterable[dict[str, Any]], predictions: dict[str, tuple[set[str], set[str]]]) -> dict[str, Any]:
    """Per-type true positives, false positives and misses, and the counts of unclassified provisions."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    unclassified = labelled_none = provisions = 0
    obligations_right = obligations_judged = 0
    for row in rows:
        types, obligations = predictions[row["id"]]
        required = set(row["types"]) - {"unclassified"}
        allowed = required | set(row.get("also_ok") or [])
        provisions += 1
        for t in CLAUSE_TYPES:
            if t in types:
                if t in allowed:
                    tp[t] += 1
                else:
                    fp[t] += 1
            elif t in required:
                fn[t] += 1
        unclassified += not types
        labelled_none += not required
        if "obligations" in row and "defence" in types:
            obligations_judged += 1
            obligations_right += set(row["obligations"]) == obligations
    return {"tp": tp, "fp": fp, "fn": fn, "provisions": provisions, "unclassified": unclassified,
            "labelled_none": labelled_none,
            "obligations": (obligations_right, obligations_judged)}


def ratio(a: int, b: int) -> str:
    """``a / b`` to two decimals, or "-" when ``b`` is 0."""
    return f"{a / b:.2f}" if b else "-"


def scores_by_set(rows: list[dict[str, Any]]) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Each set's rows and :func:`score`, the working set first."""
    predictions = {row["id"]: predict(row["text"]) for row in rows}
    out = {}
    for name in sorted({row["set"] for row in rows}, key=lambda s: (s != "working", s)):
        chosen = [row for row in rows if row["set"] == name]
        out[name] = (chosen, score(chosen, predictions))
    return out


def run(table: Table, ctx: Context) -> None:
    for name, (chosen, result) in scores_by_set(load_rows()).items():
        tp, fp, fn = result["tp"], result["fp"], result["fn"]
        for t in CLAUSE_TYPES:
            if tp[t] + fp[t] + fn[t] == 0:
                continue
            labelled = sum(t in row["types"] for row in chosen)
            also = sum(t in row["also_ok"] and t not in row["types"] for row in chosen)
            table.add(f"silver {name}: {t} (labelled {labelled} + {also} also_ok; right {tp[t]}, wrong {fp[t]}, "
                      f"missed {fn[t]})",
                      f"P {ratio(tp[t], tp[t] + fp[t])}  R {ratio(tp[t], tp[t] + fn[t])}")
        table.add(f"silver {name}: provisions left unclassified (labelled none: {result['labelled_none']})",
                  f"{result['unclassified']} of {result['provisions']}")
        right, judged = result["obligations"]
        if judged:
            table.add(f"silver {name}: defence obligations exactly as labelled", f"{right} of {judged}")
