"""treaty: read the text of an international agreement into typed, comparable clauses.

The package's stage modules share names with its main functions (``treaty.parse``,
``treaty.compare``, ``treaty.normalise``); the functions are bound here after the
modules are imported, so ``treaty.parse(text)`` is always the function.
"""

__version__ = "0.1.0"

from .api import load, parse  # noqa: E402
from .compare import Comparison, CorpusComparison, compare, compare_many, render  # noqa: E402
from .errors import InputError, LoadError, ParseError, SchemaVersionError, TreatyError  # noqa: E402
from .export import (from_json, from_jsonl, from_yaml, iter_exports, json_schema, load_export,  # noqa: E402
                     open_writer, to_csv, to_json, to_jsonl, to_yaml)
from .models import Agreement, Diagnostic, Node, Skipped, Source, Span  # noqa: E402
from .normalise import normalise  # noqa: E402

__all__ = [
    "__version__", "parse", "load", "normalise",
    "compare", "compare_many", "render", "Comparison", "CorpusComparison",
    "to_yaml", "from_yaml", "to_json", "from_json", "to_jsonl", "from_jsonl", "to_csv", "json_schema",
    "open_writer", "iter_exports", "load_export",
    "Agreement", "Node", "Span", "Diagnostic", "Skipped", "Source",
    "TreatyError", "InputError", "ParseError", "LoadError", "SchemaVersionError",
]
