"""Shared fixtures: where the examples, golden files and (optional) shared corpus live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
SHARED = Path(os.environ.get("TREATY_SHARED", ROOT.parent / "shared"))
NL_CORPUS = SHARED / "corpus" / "nl-treaties"

# Example texts with a golden expected export (tests/golden/<stem>.yaml).
EXAMPLE_TEXTS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md") and p.name != "SOURCES.md")

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/* from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


needs_corpus = pytest.mark.skipif(not NL_CORPUS.is_dir(), reason="../shared/corpus/nl-treaties not present")
