"""Locate and load the data files shipped in ``grammar/`` (grammars, vocabularies)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's C loader is several times faster; both are safe loaders.
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _SafeLoader = yaml.SafeLoader


@functools.lru_cache(maxsize=1)
def grammar_dir() -> Path:
    """The folder holding the grammar and vocabulary files.

    Installed wheels carry it as ``treaty/grammar``; a source checkout (and an
    editable install) has it at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar", here.parent / "grammar"):
        if (candidate / "structure.lark").is_file():
            return candidate
    raise FileNotFoundError(
        "treaty's grammar folder is missing; reinstall the package")  # pragma: no cover


def data_path(name: str) -> Path:
    """Path of one data file inside the grammar folder."""
    return grammar_dir() / name


@functools.lru_cache(maxsize=None)
def load_data(name: str) -> Any:
    """Load (once) a YAML data file from the grammar folder."""
    with open(data_path(name), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_SafeLoader)  # noqa: S506 - safe loader
