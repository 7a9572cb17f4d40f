"""Golden files: every example in examples/ parses to exactly the export stored in tests/golden/.

Regenerate after an intended change with ``pytest tests/test_golden.py --update-golden``
and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import treaty
from treaty.export import from_yaml, to_yaml

from .conftest import EXAMPLE_TEXTS, GOLDEN, ROOT


@pytest.mark.parametrize("path", EXAMPLE_TEXTS, ids=lambda p: p.name)
def test_example_matches_golden(path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    agreement = treaty.load(path.relative_to(ROOT))
    produced = to_yaml(agreement)
    golden = GOLDEN / (path.stem + ".yaml")
    if update_golden or not golden.exists():
        golden.write_text(produced, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden.name} did not exist; written now - review and commit it")
    assert produced == golden.read_text(encoding="utf-8")
    # the stored export loads back to the same agreement
    assert from_yaml(golden) == agreement


def test_every_example_has_a_golden_file() -> None:
    assert {p.stem for p in EXAMPLE_TEXTS} == {p.stem for p in GOLDEN.glob("*.yaml")}
