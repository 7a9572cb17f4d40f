"""Measure the classifier against reference labels ("gold" files).

A gold file is YAML naming its text (``source:``, a path relative to the gold
folder's parent; otherwise the text whose file name shares most words with the
gold file's name is used) and listing labelled provisions in one of these forms::

    items:      [{item: 4, types: [defence], also_ok: [...], defence: {...}}]   # list items: item4
    articles:   [{article: 5, types: [...], defence: {...}}]                     # art5
    provisions: [{id: art1, paragraph: 2, types: [...]}]                        # 2nd paragraph of art1
    paragraphs: [{paragraph: 3, types: [...]}, {paragraph: 1, provision: false}] # prose paragraph p3
    profile:    {defence: true, consultation: false, non_aggression: null}      # null: not judged

``types`` must be assigned (true positives or misses); types outside
``types`` + ``also_ok`` count as false positives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from .models import CLAUSE_TYPES, Agreement, Node

__all__ = ["evaluate_gold", "evaluate_dir", "format_report", "Score"]

_DEFENCE_FIELDS = ("obligations", "trigger", "timing", "assistance", "means", "scope", "legal_basis")


@dataclass
class Score:
    """Counts for one clause type (or one attribute)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> Optional[float]:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> Optional[float]:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Result:
    """The outcome of one gold file."""

    gold: str
    text: str
    types: dict[str, Score] = field(default_factory=dict)
    attributes: dict[str, list[bool]] = field(default_factory=dict)
    profile: dict[str, bool] = field(default_factory=dict)
    provisions: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "gold": self.gold, "text": self.text,
            "types": {t: {"tp": s.tp, "fp": s.fp, "fn": s.fn} for t, s in sorted(self.types.items())},
            "attributes": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(self.attributes.items())},
            "profile": dict(sorted(self.profile.items())),
            "missing": self.missing,
        }


def _tokens(name: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", name.lower()))


def find_text(gold_path: Path, gold: dict[str, Any], search: Iterable[Path]) -> Optional[Path]:
    """The text a gold file labels: an entry in ``_texts.yaml`` beside it, its ``source:``,
    else the file whose name shares most words with the gold file's."""
    index = gold_path.parent / "_texts.yaml"
    if index.is_file():
        with open(index, encoding="utf-8") as handle:
            mapping = yaml.safe_load(handle) or {}
        if gold_path.name in mapping:
            candidate = (gold_path.parent / mapping[gold_path.name]).resolve()
            if candidate.is_file():
                return candidate
    source = gold.get("source")
    if source:
        for base in [gold_path.parent.parent, gold_path.parent, *search]:
            candidate = Path(base) / source
            if candidate.is_file():
                return candidate
    want = _tokens(gold_path.stem)
    best, best_score = None, 0.0
    for folder in search:
        for path in sorted(Path(folder).glob("*")):
            if path.suffix not in (".txt", ".md") or not path.is_file():
                continue
            have = _tokens(path.stem)
            score = len(want & have) / len(want | have) if want | have else 0
            if score > best_score:
                best, best_score = path, score
    return best if best_score >= 0.3 else None


def _node_types(node: Node) -> set[str]:
    return {c.type for n in node.walk() for c in n.clauses if c.type != "unclassified"}


def _locate(agreement: Agreement, entry: dict[str, Any]) -> Optional[Node]:
    if "item" in entry:
        return agreement.find(f"item{entry['item']}")
    if "article" in entry:
        return agreement.find(f"art{entry['article']}")
    if "id" in entry:
        node = agreement.find(str(entry["id"]))
        if node is not None and "paragraph" in entry:
            paragraphs = [c for c in node.children if c.kind == "paragraph"]
            k = int(entry["paragraph"])
            if not paragraphs and k == 1:
                return node
            return paragraphs[k - 1] if 0 < k <= len(paragraphs) else None
        return node
    if "paragraph" in entry:
        return agreement.find(f"p{entry['paragraph']}")
    return None


def _defence_clause(node: Node) -> Any:
    for n in node.walk():
        for c in n.clauses:
            if c.type == "defence" and c.obligations:
                return c
    for n in node.walk():
        for c in n.clauses:
            if c.type == "defence":
                return c
    return None


def _same(field_name: str, want: Any, have: Any) -> bool:
    if isinstance(want, list):
        return sorted(map(str, want)) == sorted(map(str, have or []))
    if field_name == "scope":
        return bool(have) and str(want).lower() in str(have).lower()
    return want == have


def evaluate_gold(gold_path: Path, agreement: Agreement, text_name: str = "") -> Result:
    """Compare one parsed agreement with one gold file."""
    with open(gold_path, encoding="utf-8") as handle:
        gold = yaml.safe_load(handle)
    result = Result(gold=gold_path.name, text=text_name, types={t: Score() for t in CLAUSE_TYPES})
    entries = []
    for key in ("items", "articles", "provisions", "paragraphs"):
        entries.extend(gold.get(key) or [])
    for entry in entries:
        node = _locate(agreement, entry)
        label = ", ".join(f"{k} {entry[k]}" for k in ("item", "article", "id", "paragraph") if k in entry)
        if entry.get("provision") is False:
            ok = node is None or (not node.provision and not _node_types(node))
            result.attributes.setdefault("not_a_provision", []).append(ok)
            continue
        if node is None:
            result.missing.append(label)
            for t in entry.get("types", []):
                result.types[t].fn += 1
            continue
        have = _node_types(node)
        want = set(entry.get("types", []))
        allowed = want | set(entry.get("also_ok", []))
        for t in CLAUSE_TYPES:
            if t in want and t in have:
                result.types[t].tp += 1
            elif t in want:
                result.types[t].fn += 1
            elif t in have and t not in allowed:
                result.types[t].fp += 1
        detail = {"where": label, "want": sorted(want), "have": sorted(have)}
        if entry.get("defence"):
            clause = _defence_clause(node)
            for name, value in entry["defence"].items():
                if name not in _DEFENCE_FIELDS:
                    continue
                got = getattr(clause, name, None) if clause is not None else None
                ok = _same(name, value, got)
                result.attributes.setdefault(f"defence.{name}", []).append(ok)
                if not ok:
                    detail.setdefault("wrong", {})[name] = {"want": value, "have": got}
        result.provisions.append(detail)
    for name, value in (gold.get("profile") or {}).items():
        if value is None:
            continue
        result.profile[name] = getattr(agreement.profile, name) == bool(value)
    return result


def evaluate_dir(gold_dir: Path, search: Iterable[Path], parse: Any) -> list[Result]:
    """Evaluate every ``*.yaml`` gold file in a folder; ``parse`` turns a text path into an Agreement."""
    results = []
    for gold_path in sorted(Path(gold_dir).glob("*.yaml")):
        if gold_path.name.startswith("_"):
            continue
        with open(gold_path, encoding="utf-8") as handle:
            gold = yaml.safe_load(handle)
        text = find_text(gold_path, gold, search)
        if text is None:
            result = Result(gold=gold_path.name, text="(text not found)")
            result.missing.append("the labelled text")
        else:
            result = evaluate_gold(gold_path, parse(text), text.name)
        results.append(result)
    return results


def _pct(value: Optional[float]) -> str:
    return "  -  " if value is None else f"{value:5.0%}"


def totals(results: list[Result]) -> dict[str, Score]:
    """Per-type counts summed over all gold files."""
    total = {t: Score() for t in CLAUSE_TYPES}
    for r in results:
        for t, s in r.types.items():
            total[t].tp += s.tp
            total[t].fp += s.fp
            total[t].fn += s.fn
    return total


def format_report(results: list[Result], verbose: bool = False) -> str:
    """A plain-text report: per-type precision and recall, attributes, profiles, misses."""
    lines = []
    for r in results:
        lines.append(f"{r.gold}  ->  {r.text}")
        for t, s in r.types.items():
            if s.tp or s.fp or s.fn:
                lines.append(f"  {t:12} precision {_pct(s.precision)}  recall {_pct(s.recall)}  "
                             f"(tp {s.tp}, fp {s.fp}, fn {s.fn})")
        for name, oks in sorted(r.attributes.items()):
            lines.append(f"  {name:24} {sum(oks)}/{len(oks)} correct")
        if r.profile:
            wrong = [k for k, ok in r.profile.items() if not ok]
            lines.append(f"  profile                  {sum(r.profile.values())}/{len(r.profile)} correct"
                         + (f"  (wrong: {', '.join(wrong)})" if wrong else ""))
        for m in r.missing:
            lines.append(f"  missing: {m}")
        if verbose:
            for p in r.provisions:
                if set(p["want"]) - set(p["have"]) or p.get("wrong"):
                    lines.append(f"    {p['where']}: want {p['want']} have {p['have']} {p.get('wrong', '')}")
        lines.append("")
    lines.append("all gold files")
    total = totals(results)
    for t, s in total.items():
        if s.tp or s.fp or s.fn:
            lines.append(f"  {t:12} precision {_pct(s.precision)}  recall {_pct(s.recall)}  "
                         f"(tp {s.tp}, fp {s.fp}, fn {s.fn})")
    attrs: dict[str, list[bool]] = {}
    for r in results:
        for k, v in r.attributes.items():
            attrs.setdefault(k, []).extend(v)
    for name, oks in sorted(attrs.items()):
        lines.append(f"  {name:24} {sum(oks)}/{len(oks)} correct")
    prof = [ok for r in results for ok in r.profile.values()]
    if prof:
        lines.append(f"  profile                  {sum(prof)}/{len(prof)} correct")
    return "\n".join(lines) + "\n"
