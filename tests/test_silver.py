"""The silver label set in bench/silver and the scorer that reads it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from treaty.models import CLAUSE_TYPES, OBLIGATIONS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_silver  # noqa: E402

ROWS = bench_silver.load_rows()


def test_every_label_is_well_formed() -> None:
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids)) >= 900
    known = set(CLAUSE_TYPES)
    for row in ROWS:
        where = row["id"]
        assert row["set"] in {"working", "held-out-1", "held-out-2", "held-out-3"}, where
        assert re.fullmatch(r"nl-treaties/BWBV\d{7}\.md#[\w.]+", row["source"]), where
        assert row["types"] and set(row["types"]) <= known | {"unclassified"}, where
        assert set(row["also_ok"]) <= known and not set(row["also_ok"]) & set(row["types"]), where
        assert set(row.get("obligations", [])) <= set(OBLIGATIONS), where
        assert row["text"].strip() and row["why"], where
    # at most one provision per treaty: the set samples treaties, not one treaty's articles
    files = [row["source"].split("#")[0] for row in ROWS]
    assert len(files) == len(set(files))


SCORE_CASES = [
    # (types, also_ok, predicted) -> (tp, fp, fn) summed over the types
    (["trade"], [], {"trade"}, (1, 0, 0)),
    (["trade"], ["legal"], {"trade", "legal"}, (2, 0, 0)),
    (["trade"], [], {"trade", "legal"}, (1, 1, 0)),
    (["trade", "legal"], [], {"legal"}, (1, 0, 1)),
    (["unclassified"], [], set(), (0, 0, 0)),
    (["unclassified"], [], {"social"}, (0, 1, 0)),
    (["procedural"], [], set(), (0, 0, 1)),
]


@pytest.mark.parametrize("types, also_ok, predicted, expected", SCORE_CASES)
def test_score_counts_like_treaty_evaluate(types, also_ok, predicted, expected) -> None:
    row = {"id": "x", "types": types, "also_ok": also_ok}
    result = bench_silver.score([row], {"x": (predicted, set())})
    assert (sum(result["tp"].values()), sum(result["fp"].values()), sum(result["fn"].values())) == expected
    assert result["unclassified"] == (not predicted)
    assert result["labelled_none"] == (types == ["unclassified"])


def test_predict_reads_a_provision_as_one_article() -> None:
    types, obligations = bench_silver.predict(
        "The Parties agree that an armed attack against one or more of them in Europe or North America "
        "shall be considered an attack against them all and consequently they agree that, if such an armed "
        "attack occurs, each of them will assist the Party so attacked by taking such action as it deems "
        "necessary, including the use of armed force.")
    assert "defence" in types and "defence" in obligations
    assert bench_silver.predict("The present Agreement shall enter into force on the date of signature.") == (
        {"procedural"}, set())
