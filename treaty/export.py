"""Stage 6: write agreements as YAML or JSON, and load them back safely.

YAML uses libyaml's C emitter and parser when PyYAML was built with them, the
pure-Python ones otherwise; both produce the same text.  Loading accepts only
plain YAML (safe loader: no Python tags), bounded in size and in alias
expansion, and validates against the models, naming the offending key path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from .errors import LoadError, SchemaVersionError
from .models import SCHEMA_VERSION, Agreement

__all__ = ["to_yaml", "from_yaml", "to_json", "from_json", "to_data", "load_export",
           "SUPPORTED_SCHEMA_VERSIONS", "DEFAULT_MAX_LOAD_BYTES"]

#: Schema versions this release reads.
SUPPORTED_SCHEMA_VERSIONS = (SCHEMA_VERSION,)
#: Largest export :func:`from_yaml` / :func:`from_json` accept by default.
DEFAULT_MAX_LOAD_BYTES = 256 * 1024 * 1024
# Our own exports never use anchors; a few are tolerated in hand-edited files.
_MAX_ALIASES = 100

try:
    _Dumper: type = yaml.CSafeDumper
    _Loader: type = yaml.CSafeLoader
    C_YAML = True
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Dumper = yaml.SafeDumper
    _Loader = yaml.SafeLoader
    C_YAML = False


def _dumper_class(base: type) -> type:
    class Dumper(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:  # identical sub-trees are written out, never aliased
            return True

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


_DUMPERS = {True: _dumper_class(_Dumper), False: _dumper_class(yaml.SafeDumper)}


def to_data(agreement: Agreement, *, exclude_none: bool = True) -> dict[str, Any]:
    """The agreement as plain data (dicts, lists, strings, numbers, dates), in schema order."""
    return agreement.model_dump(mode="python", exclude_none=exclude_none)


def to_yaml(agreement: Agreement | Iterable[Agreement], *, pure_python: bool = False) -> str:
    """YAML text of one agreement (or a multi-document stream of several)."""
    dumper = _DUMPERS[not pure_python and C_YAML]
    options = dict(Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096,
                   default_flow_style=False, indent=2)
    if isinstance(agreement, Agreement):
        return yaml.dump(to_data(agreement), **options)
    return yaml.dump_all((to_data(a) for a in agreement), explicit_start=True, **options)


def to_json(agreement: Agreement, *, indent: int | None = 2) -> str:
    """JSON text of one agreement (the shape of ``model_dump(mode="json")``)."""
    return json.dumps(agreement.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=indent)


# ---------------------------------------------------------------------------- loading

def _count_nodes(data: Any, max_nodes: int, name: str | None) -> None:
    """Walk the loaded data with a budget, so alias bombs fail fast instead of hanging."""
    seen: set[int] = set()
    aliases = 0
    budget = max_nodes
    stack = [data]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise LoadError(f"too much data after expanding aliases (over {max_nodes:,} values); "
                            "refusing a possible 'billion laughs' file", name)
        if isinstance(item, (dict, list)):
            key = id(item)
            if key in seen:
                aliases += 1
                if aliases > _MAX_ALIASES:
                    raise LoadError(f"more than {_MAX_ALIASES} YAML aliases; refusing a possible "
                                    "'billion laughs' file", name)
            seen.add(key)
            stack.extend(item.values() if isinstance(item, dict) else item)


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _validate(data: Any, name: str | None) -> Agreement:
    if not isinstance(data, dict):
        raise LoadError(f"expected a mapping (an agreement), found {type(data).__name__}", name)
    version = data.get("schema_version")
    if version is None:
        raise SchemaVersionError("missing schema_version; this release reads "
                                 + ", ".join(SUPPORTED_SCHEMA_VERSIONS), name, key_path="schema_version")
    if str(version) not in SUPPORTED_SCHEMA_VERSIONS:
        raise SchemaVersionError(f"schema_version {version!r} is not supported; this release reads "
                                 + ", ".join(SUPPORTED_SCHEMA_VERSIONS), name, key_path="schema_version")
    data = dict(data, schema_version=str(version))
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise LoadError(f"{err['msg']}{more}", name, key_path=_key_path(err["loc"])) from None


def _read_text(source: str | os.PathLike[str], max_bytes: int) -> tuple[str, str | None]:
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                           and len(source) < 4096 and Path(source).is_file()):
        path = Path(source)
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"file is {size:,} bytes, over the limit of {max_bytes:,}", str(path))
        try:
            return path.read_text(encoding="utf-8-sig"), str(path)
        except UnicodeDecodeError as exc:
            raise LoadError(f"not UTF-8 text ({exc.reason})", str(path)) from None
    text = str(source)
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise LoadError(f"input is over the limit of {max_bytes:,} bytes", None)
    return text, None


def from_yaml(source: str | os.PathLike[str], *, name: str | None = None,
              max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> Agreement:
    """Load an agreement from YAML text or a YAML file, safely and validated."""
    text, path = _read_text(source, max_bytes)
    name = name or path
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LoadError(f"not valid YAML: {problem}", name,
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    _count_nodes(data, max(100_000, 20 * len(text)), name)
    return _validate(data, name)


def from_json(source: str | os.PathLike[str], *, name: str | None = None,
              max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> Agreement:
    """Load an agreement from JSON text or a JSON file, validated."""
    text, path = _read_text(source, max_bytes)
    name = name or path
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"not valid JSON: {exc.msg}", name, exc.lineno, exc.colno) from None
    return _validate(data, name)


def load_export(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> Agreement:
    """Load a ``.yaml``/``.yml`` or ``.json`` export, choosing the reader by extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return from_json(path, max_bytes=max_bytes)
    return from_yaml(path, max_bytes=max_bytes)
