"""Stage 6: write agreements as YAML, JSON, JSON Lines or tidy CSV, and load them back safely.

Formats (documented column by column in ``docs/reference/formats.md``):

* **YAML** - one agreement per document; several make a ``---``-separated stream.
  libyaml's C emitter and parser are used when PyYAML was built with them, the
  pure-Python ones otherwise; both produce the same text.
* **JSON** - the same shape; several agreements make a JSON array.
* **JSON Lines** - one agreement per line, for corpora.
* **CSV** - two tidy tables: one row per clause, and one row per agreement
  with ATOP-named 0/1 profile columns.  CSV is for analysis and is not loaded back.

All output is deterministic: the same agreements give byte-identical text.
Loading accepts only plain YAML (safe loader: no Python tags), bounded in size,
nesting and alias expansion, and validates against the models, naming the
file and the offending key path.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import re
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Optional

import yaml
from pydantic import TypeAdapter, ValidationError

from .errors import LoadError, SchemaVersionError
from .models import SCHEMA_VERSION, Agreement, Node

__all__ = ["to_yaml", "from_yaml", "to_json", "from_json", "to_jsonl", "from_jsonl", "to_csv", "to_data",
           "load_export", "iter_exports", "json_schema", "clause_rows", "agreement_row", "agreement_id",
           "open_writer", "Writer", "CLAUSE_COLUMNS", "AGREEMENT_COLUMNS", "FORMATS", "format_for",
           "SUPPORTED_SCHEMA_VERSIONS", "DEFAULT_MAX_LOAD_BYTES", "C_YAML"]

#: Schema versions this release reads.
SUPPORTED_SCHEMA_VERSIONS = (SCHEMA_VERSION,)
#: Largest export (for JSON Lines: largest line) :func:`from_yaml` / :func:`from_json` accept by default.
DEFAULT_MAX_LOAD_BYTES = 256 * 1024 * 1024
# Our own exports never use anchors; a few are tolerated in hand-edited files.
_MAX_ALIASES = 100
_AGREEMENTS = TypeAdapter(list[Agreement])
#: Output formats by name, and the file extensions that select them.
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}

try:
    _Dumper: type = yaml.CSafeDumper
    _Loader: type = yaml.CSafeLoader
    C_YAML = True
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Dumper = yaml.SafeDumper
    _Loader = yaml.SafeLoader
    C_YAML = False


# Characters libyaml cannot write raw (outside its printable set: astral planes,
# NEL, BOM, controls) plus the Unicode line separators.  Strings holding one are
# written double-quoted with escapes by both emitters; left to themselves, the
# C emitter escapes them while the Python one writes them raw.
_NEEDS_QUOTES = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
# Wide enough never to fold a line: the two emitters fold double-quoted text differently.
_WIDTH = 2**31 - 1


def _dumper_class(base: type) -> type:
    class Dumper(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:  # identical sub-trees are written out, never aliased
            return True

        if issubclass(base, yaml.emitter.Emitter):  # the pure-Python emitter: decide simple keys as libyaml does
            def check_simple_key(self) -> bool:
                if isinstance(self.event, yaml.ScalarEvent):
                    if self.analysis is None:
                        self.analysis = self.analyze_scalar(self.event.value)
                    value = self.event.value  # libyaml also counts "\r" as a line break, and bytes
                    return not (self.analysis.multiline or "\r" in value) and len(value.encode("utf-8")) <= 128
                return super().check_simple_key()

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        if _NEEDS_QUOTES.search(value):
            style: str | None = '"'
        else:
            style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


_DUMPERS = {True: _dumper_class(_Dumper), False: _dumper_class(yaml.SafeDumper)}
_YAML_OPTIONS = dict(sort_keys=False, allow_unicode=True, width=_WIDTH, default_flow_style=False, indent=2)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Building an agreement allocates many small objects that all survive; the
    # cyclic collector would rescan them again and again (loads 2-5x slower).
    # Paused per agreement only, never across a generator's yield.
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _many(agreements: Agreement | Iterable[Agreement]) -> Iterable[Agreement]:
    return (agreements,) if isinstance(agreements, Agreement) else agreements


# ---------------------------------------------------------------------------- YAML and JSON

def to_data(agreement: Agreement, *, exclude_none: bool = True) -> dict[str, Any]:
    """The agreement as plain data (dicts, lists, strings, numbers, dates), in schema order."""
    return agreement.model_dump(mode="python", exclude_none=exclude_none)


def _dump_yaml(data: dict[str, Any], dumper: type, explicit_start: bool) -> str:
    with _gc_paused():  # the representer's node graph is garbage the moment it is written
        text = yaml.dump(data, Dumper=dumper, explicit_start=explicit_start, **_YAML_OPTIONS)
    # libyaml ends the stream with a "..." marker once any keep-chomped ("|+") block
    # scalar was written; PyYAML does not.  It is optional, and each document is
    # written as a stream of its own, so documents concatenate.
    return text[:-4] if text.endswith("\n...\n") else text


def to_yaml(agreement: Agreement | Iterable[Agreement], *, pure_python: bool = False) -> str:
    """YAML text of one agreement (or a ``---``-separated multi-document stream of several)."""
    dumper = _DUMPERS[not pure_python and C_YAML]
    if isinstance(agreement, Agreement):
        return _dump_yaml(to_data(agreement), dumper, False)
    return "".join(_dump_yaml(to_data(a), dumper, True) for a in agreement)


def _json_safe(text: str) -> str:
    # JSON allows these raw inside strings, but str.splitlines() and JavaScript
    # treat them as line breaks, which would split a JSON Lines record.
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    return text


def _json_one(agreement: Agreement, indent: int | None) -> str:
    # pydantic's serializer writes the same text as json.dumps(model_dump(mode="json"),
    # ensure_ascii=False) (tested), about ten times faster.
    return _json_safe(agreement.model_dump_json(indent=indent))  # exactly model_dump(mode="json"), nulls included


def to_json(agreement: Agreement | Iterable[Agreement], *, indent: int | None = 2) -> str:
    """JSON text of one agreement (the shape of ``model_dump(mode="json")``), or a JSON array of several."""
    if isinstance(agreement, Agreement):
        return _json_one(agreement, indent)
    items = [_json_one(a, indent) for a in agreement]
    if not items:
        return "[]"
    if indent is None:
        return "[" + ",".join(items) + "]"
    return "[\n" + ",\n".join(_indented(item, indent) for item in items) + "\n]"


def _indented(text: str, indent: int) -> str:
    # Safe: JSON text holds no raw line breaks inside strings.
    pad = " " * indent
    return pad + text.replace("\n", "\n" + pad)


def to_jsonl(agreements: Agreement | Iterable[Agreement]) -> str:
    """JSON Lines: one compact JSON agreement per line, each line ending in ``\\n``."""
    return "".join(_json_one(a, None) + "\n" for a in _many(agreements))


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one exported agreement, generated from the models.

    It describes the JSON shape; YAML exports have the same shape, with ``signed`` as a YAML date.
    """
    schema = Agreement.model_json_schema(mode="validation")
    # Loading insists on a supported schema_version, though the model has a default.
    schema["properties"]["schema_version"] = {
        "title": "Schema Version", "type": "string", "enum": list(SUPPORTED_SCHEMA_VERSIONS),
        "description": "Version of this export format."}
    schema["required"] = ["schema_version"] + [k for k in schema.get("required", []) if k != "schema_version"]
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://treaty-clauses.readthedocs.io/schema/agreement-{SCHEMA_VERSION}.json",
        "title": "treaty agreement export",
        "version": SCHEMA_VERSION,
    }
    schema.pop("title", None)
    return {**head, **schema}


# ---------------------------------------------------------------------------- CSV

#: Columns of the clause table (one row per clause), in order.
CLAUSE_COLUMNS = ("agreement", "title", "parties", "party_codes", "provision", "article", "clause", "type",
                  "modality", "bound", "obligations", "trigger", "assistance", "means", "automatic", "scope",
                  "legal_basis", "conditions", "timing", "references", "sectors", "instruments", "offences",
                  "topics", "text", "line")
#: Columns of the agreement table (one row per agreement), in order; profile columns named as in ATOP.
AGREEMENT_COLUMNS = ("agreement", "title", "parties", "party_codes", "signed", "place", "mode",
                     "defense", "offense", "neutral", "nonagg", "consul", "provisions", "clauses",
                     "diagnostics", "file", "sha256", "tool", "schema_version")
# ATOP column -> Profile field.
_ATOP = (("defense", "defence"), ("offense", "offence"), ("neutral", "neutrality"),
         ("nonagg", "non_aggression"), ("consul", "consultation"))
_LIST_COLUMNS = ("bound", "obligations", "assistance", "legal_basis", "conditions", "references",
                 "sectors", "instruments", "offences", "topics")
_SCALAR_COLUMNS = ("modality", "trigger", "means", "scope", "timing")


def _joined(values: Iterable[str]) -> str:
    # ';' separates values, so one inside a value (rare: condition text) becomes ','.
    return ";".join(v.replace(";", ",") for v in values)


def agreement_id(agreement: Agreement) -> str:
    """A short name: :meth:`Agreement.short_id` (kept for callers of this module)."""
    return agreement.short_id()


def _articles(nodes: list[Node], article: Optional[str], out: dict[int, Optional[str]]) -> None:
    for node in nodes:
        number = node.number if node.kind == "article" else article
        out[id(node)] = number
        _articles(node.children, number, out)


def clause_rows(agreement: Agreement) -> list[dict[str, Any]]:
    """One dict per clause, keyed by :data:`CLAUSE_COLUMNS`, in document order.

    Lists are ``;``-joined strings; ``clause`` and ``line`` are ints; ``automatic``
    is 1, 0 or None; values a clause type does not have (or leaves unset) are None.
    """
    article_of: dict[int, Optional[str]] = {}
    _articles(agreement.nodes, None, article_of)
    head = {"agreement": agreement_id(agreement), "title": agreement.title,
            "parties": _joined(agreement.parties), "party_codes": _joined(agreement.party_codes)}
    rows = []
    for node in agreement.walk():
        if not node.clauses:
            continue
        text = node.full_text()
        for number, clause in enumerate(node.clauses, 1):
            fields = clause.__dict__
            row = dict(head, provision=node.id, article=article_of[id(node)], clause=number, type=clause.type)
            for column in _SCALAR_COLUMNS:
                row[column] = fields.get(column)
            automatic = fields.get("automatic")
            row["automatic"] = None if automatic is None else int(automatic)
            for column in _LIST_COLUMNS:
                row[column] = _joined(fields[column]) if column in fields else None
            row["text"] = text
            row["line"] = node.span.line
            rows.append({column: row[column] for column in CLAUSE_COLUMNS})
    return rows


def agreement_row(agreement: Agreement) -> dict[str, Any]:
    """One dict keyed by :data:`AGREEMENT_COLUMNS`; profile columns are 0/1 ints, ``signed`` an ISO date."""
    profile = agreement.profile
    row: dict[str, Any] = {
        "agreement": agreement_id(agreement), "title": agreement.title,
        "parties": _joined(agreement.parties), "party_codes": _joined(agreement.party_codes),
        "signed": agreement.signed.isoformat() if agreement.signed else None,
        "place": agreement.place, "mode": agreement.mode,
    }
    for column, field in _ATOP:
        row[column] = int(getattr(profile, field))
    row["provisions"] = len(agreement.provisions())
    row["clauses"] = sum(1 for _ in agreement.clauses())
    row["diagnostics"] = len(agreement.diagnostics)
    row["file"] = agreement.source.name
    row["sha256"] = agreement.source.sha256
    row["tool"] = agreement.source.tool
    row["schema_version"] = agreement.schema_version
    return row


def _csv_writer(stream: IO[str], columns: tuple[str, ...]) -> csv.DictWriter:
    return csv.DictWriter(stream, fieldnames=columns, lineterminator="\n", extrasaction="raise")


def to_csv(agreements: Agreement | Iterable[Agreement], table: str = "clauses") -> str:
    """CSV text, with header, of the ``"clauses"`` table (default) or the ``"agreements"`` table."""
    if table not in ("clauses", "agreements"):
        raise ValueError(f"table must be 'clauses' or 'agreements', not {table!r}")
    out = io.StringIO(newline="")
    writer = _csv_writer(out, CLAUSE_COLUMNS if table == "clauses" else AGREEMENT_COLUMNS)
    writer.writeheader()
    for agreement in _many(agreements):
        if table == "clauses":
            writer.writerows(clause_rows(agreement))
        else:
            writer.writerow(agreement_row(agreement))
    return out.getvalue()


# ---------------------------------------------------------------------------- incremental writers

def format_for(path: str | os.PathLike[str]) -> str:
    """The format a file extension selects (``.csv``, ``.jsonl``, ``.json``, ``.yaml``, ``.yml``)."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ValueError(f"cannot tell the output format from {str(path)!r}; use a file ending in "
                         + ", ".join(FORMATS) + " or name the format") from None


class Writer:
    """Writes agreements one at a time; each :meth:`write` is flushed to disk at once.

    So an interrupted corpus run keeps every agreement written before the
    interruption.  Use as a context manager, or call :meth:`close`.
    ``count`` is the number of agreements written; ``paths`` the files written.
    """

    format = ""

    def __init__(self, stream: IO[str], owned: bool, path: Optional[Path]) -> None:
        self._stream = stream
        self._owned = owned
        self.paths: list[Path] = [path] if path else []
        self.count = 0
        self.closed = False

    def write(self, agreement: Agreement) -> None:
        """Append one agreement and flush."""
        if self.closed:
            raise ValueError("write to a closed treaty export writer")
        self._write(agreement)
        self.count += 1
        self._flush()

    def close(self) -> None:
        """Finish the output (a JSON array gets its closing bracket) and close files this writer opened."""
        if self.closed:
            return
        self.closed = True
        try:
            self._finish()
            self._flush()
        finally:
            self._close_streams()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, agreement: Agreement) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        pass

    def _flush(self) -> None:
        self._stream.flush()

    def _close_streams(self) -> None:
        if self._owned:
            self._stream.close()


class _JsonlWriter(Writer):
    format = "jsonl"

    def _write(self, agreement: Agreement) -> None:
        self._stream.write(_json_one(agreement, None) + "\n")


class _JsonWriter(Writer):
    format = "json"

    def _write(self, agreement: Agreement) -> None:
        self._stream.write(("[\n" if self.count == 0 else ",\n") + _indented(_json_one(agreement, 2), 2))

    def _finish(self) -> None:
        # Same text as to_json(list_of_agreements) + "\n".
        self._stream.write("[]\n" if self.count == 0 else "\n]\n")


class _YamlWriter(Writer):
    format = "yaml"

    def _write(self, agreement: Agreement) -> None:
        self._stream.write(_dump_yaml(to_data(agreement), _DUMPERS[C_YAML], True))


class _CsvWriter(Writer):
    format = "csv"

    def __init__(self, stream: IO[str], owned: bool, path: Optional[Path],
                 agreements: IO[str], agreements_owned: bool, agreements_path: Optional[Path]) -> None:
        super().__init__(stream, owned, path)
        self._agreements = agreements
        self._agreements_owned = agreements_owned
        if agreements_path:
            self.paths.append(agreements_path)
        self._clause_csv = _csv_writer(stream, CLAUSE_COLUMNS)
        self._agreement_csv = _csv_writer(agreements, AGREEMENT_COLUMNS)
        # Headers first, so even an empty or interrupted run gives readable tables.
        self._clause_csv.writeheader()
        self._agreement_csv.writeheader()
        self._flush()

    def _write(self, agreement: Agreement) -> None:
        rows, row = clause_rows(agreement), agreement_row(agreement)  # built before writing anything
        self._clause_csv.writerows(rows)
        self._agreement_csv.writerow(row)

    def _flush(self) -> None:
        self._stream.flush()
        self._agreements.flush()

    def _close_streams(self) -> None:
        try:
            super()._close_streams()
        finally:
            if self._agreements_owned:
                self._agreements.close()


def _open(target: str | os.PathLike[str] | IO[str]) -> tuple[IO[str], bool, Optional[Path]]:
    if hasattr(target, "write"):
        return target, False, None  # type: ignore[return-value]
    path = Path(target)  # type: ignore[arg-type]
    # newline="": the same bytes on every platform.
    return open(path, "w", encoding="utf-8", newline=""), True, path


def open_writer(target: str | os.PathLike[str] | IO[str], format: Optional[str] = None, *,
                agreements: str | os.PathLike[str] | IO[str] | None = None) -> Writer:
    """An incremental :class:`Writer` to a file path (or an open text stream, which is left open).

    ``format`` is ``"csv"``, ``"jsonl"``, ``"json"`` or ``"yaml"``; by default it
    follows the file extension (``.csv``, ``.jsonl``, ``.json``, ``.yaml``/``.yml``).
    The file is created or truncated.

    * ``jsonl``: one agreement per line - the safest format for long runs.
    * ``yaml``: a stream of ``---`` documents, the same text as :func:`to_yaml` of the list.
    * ``json``: a JSON array, the same text as :func:`to_json` of the list; the closing
      bracket is written by :meth:`Writer.close`, so a killed process leaves an unclosed array.
    * ``csv``: clause rows go to ``target``; agreement rows to ``agreements``, by default the
      sibling file ``<stem>.agreements.csv`` (``out.csv`` -> ``out.agreements.csv``).
      Writing CSV to a stream needs an explicit ``agreements`` target.
    """
    if format is None:
        if hasattr(target, "write"):
            raise ValueError("name the format when writing to a stream")
        format = format_for(target)  # type: ignore[arg-type]
    format = {"yml": "yaml"}.get(format.lower(), format.lower())
    kinds = {"jsonl": _JsonlWriter, "json": _JsonWriter, "yaml": _YamlWriter}
    if format not in kinds and format != "csv":
        raise ValueError(f"unknown export format {format!r}; choose one of csv, jsonl, json, yaml")
    if format == "csv" and agreements is None:
        if hasattr(target, "write"):
            raise ValueError("CSV to a stream: pass agreements= (a path or stream for the agreement table)")
        path = Path(target)  # type: ignore[arg-type]
        agreements = path.with_name(path.stem + ".agreements.csv")
    stream, owned, path = _open(target)
    if format != "csv":
        return kinds[format](stream, owned, path)
    try:
        second, second_owned, second_path = _open(agreements)  # type: ignore[arg-type]
    except BaseException:
        if owned:
            stream.close()
        raise
    return _CsvWriter(stream, owned, path, second, second_owned, second_path)


# ---------------------------------------------------------------------------- loading

def _count_nodes(data: Any, max_nodes: int, name: str | None) -> int:
    """Walk the loaded data with a budget, so alias bombs fail fast instead of hanging; returns what is left."""
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
    return budget


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """``nodes[3].clauses[0].modality`` from a pydantic error location, following the data."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            data = data[part] if isinstance(data, list) and 0 <= part < len(data) else None
            continue
        if isinstance(data, dict) and part not in data and data.get("type") == part:
            continue  # pydantic names the clause type it validated against; it is not a key
        out += ("." if out else "") + str(part)
        data = data.get(part) if isinstance(data, dict) else None
    return out


def _supported() -> str:
    return "this release reads schema_version " + ", ".join(SUPPORTED_SCHEMA_VERSIONS)


def _validate(data: Any, name: str | None, *, line: int | None = None, prefix: str = "",
              what: str = "") -> Agreement:
    """Check the schema version, then validate; errors name ``prefix`` + the key path."""
    if not isinstance(data, dict):
        raise LoadError(f"{what}expected a mapping (an agreement), found {type(data).__name__}", name, line,
                        key_path=prefix or None)
    version = data.get("schema_version")
    if version is None:
        raise SchemaVersionError(f"{what}missing schema_version; {_supported()}", name, line,
                                 key_path=_join_path(prefix, "schema_version"))
    if str(version) not in SUPPORTED_SCHEMA_VERSIONS:
        raise SchemaVersionError(f"{what}schema_version {version!r} is not supported; {_supported()}",
                                 name, line, key_path=_join_path(prefix, "schema_version"))
    data = dict(data, schema_version=str(version))
    try:
        with _gc_paused():
            return Agreement.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise LoadError(f"{what}{err['msg']}{more}", name, line,
                        key_path=_join_path(prefix, _key_path(err["loc"], data))) from None
    except RecursionError:
        raise LoadError(f"{what}nested too deeply", name, line, key_path=prefix or None) from None


def _join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix + ("" if path.startswith("[") or not path else ".") + path


def _validate_json(text: str | bytes, name: str | None, *, line: int | None = None) -> Agreement:
    # Fast path: pydantic parses and validates JSON in one pass.  Anything it
    # rejects goes through the slow path, which explains the problem.
    try:
        with _gc_paused():
            agreement = Agreement.model_validate_json(text)
    except (ValueError, RecursionError):  # ValidationError is a ValueError
        pass
    else:
        if "schema_version" in agreement.model_fields_set and agreement.schema_version in SUPPORTED_SCHEMA_VERSIONS:
            return agreement
    data = _json_loads(text, name, line)
    if isinstance(data, list) and line is None:
        raise LoadError("a JSON array of agreements: read it with iter_exports()", name)
    return _validate(data, name, line=line)


def _json_loads(text: str | bytes, name: str | None, line: int | None = None) -> Any:
    """Parsed JSON; ``line`` is the JSON Lines line number, when reading one."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"not valid JSON: {exc.msg}", name, exc.lineno if line is None else line, exc.colno) from None
    except RecursionError:
        raise LoadError("not valid JSON: nested too deeply", name, line) from None


def _is_path(source: str | os.PathLike[str]) -> bool:
    # A short one-line string is a file name if it ends like one or such a file
    # exists: an agreement's text ends with "}" (JSON) or spans lines (YAML).
    if isinstance(source, os.PathLike):
        return True
    if "\n" in source or len(source) >= 4096:
        return False
    if Path(source).suffix.lower() in (".yaml", ".yml", ".json", ".jsonl"):
        return True
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # name too long, NUL byte: text, not a file name
        return False


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise LoadError("no such file", str(path)) from None
    except IsADirectoryError:
        raise LoadError("is a directory, not an export file", str(path)) from None
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror}", str(path)) from None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    with _open_binary(path) as handle:
        data = handle.read(max_bytes + 1)  # never more than the limit in memory
    if len(data) > max_bytes:
        raise LoadError(f"file is over the limit of {max_bytes:,} bytes", str(path))
    return data


def _read_text(source: str | os.PathLike[str], max_bytes: int) -> tuple[str, str | None]:
    if _is_path(source):
        path = Path(source)
        try:
            return _read_bytes(path, max_bytes).decode("utf-8-sig"), str(path)
        except UnicodeDecodeError as exc:
            raise LoadError(f"not UTF-8 text ({exc.reason})", str(path)) from None
    text = str(source)
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise LoadError(f"input is over the limit of {max_bytes:,} bytes", None)
    return text, None


def _yaml_error(exc: Exception, name: str | None, what: str = "") -> LoadError:
    if isinstance(exc, RecursionError):
        return LoadError(f"{what}not valid YAML: nested too deeply", name)
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "expected a single document" in problem or "found another document" in problem:
        problem += " (a multi-document stream: read it with iter_exports())"
    return LoadError(f"{what}not valid YAML: {problem}", name,
                     mark.line + 1 if mark else None, mark.column + 1 if mark else None)


def _yaml_budget(text: str) -> int:
    return max(100_000, 20 * len(text))


def from_yaml(source: str | os.PathLike[str], *, name: str | None = None,
              max_bytes: int = DEFAULT_MAX_LOAD_BYTES, pure_python: bool = False) -> Agreement:
    """Load an agreement from YAML text or a YAML file, safely and validated.

    Raises :class:`~treaty.errors.LoadError` (naming file, line/column or key path)
    or :class:`~treaty.errors.SchemaVersionError`.
    """
    text, path = _read_text(source, max_bytes)
    name = name or path
    try:
        with _gc_paused():
            data = yaml.load(text, Loader=yaml.SafeLoader if pure_python else _Loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError) as exc:
        raise _yaml_error(exc, name) from None
    _count_nodes(data, _yaml_budget(text), name)
    return _validate(data, name)


def from_json(source: str | os.PathLike[str], *, name: str | None = None,
              max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> Agreement:
    """Load an agreement from JSON text or a JSON file, validated."""
    text, path = _read_text(source, max_bytes)
    return _validate_json(text, name or path)


def _jsonl_lines(lines: Iterable[str | bytes], name: str | None, max_bytes: int) -> Iterator[Agreement]:
    for number, raw in enumerate(lines, 1):
        if len(raw) > max_bytes:
            raise LoadError(f"line is over the limit of {max_bytes:,} bytes", name, number)
        if raw.strip():
            yield _validate_json(raw, name, line=number)


def from_jsonl(source: str | os.PathLike[str], *, name: str | None = None,
               max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> list[Agreement]:
    """Load every agreement of JSON Lines text or a ``.jsonl`` file (blank lines are skipped).

    ``max_bytes`` limits each line.  The cyclic garbage collector is paused while the
    list is built, which makes loading a large corpus several times faster.
    """
    if _is_path(source):
        records = iter_exports(source, "jsonl", max_bytes=max_bytes)
    else:  # only "\n" ends a record: str.splitlines() would also split at U+2028 inside a string
        records = _jsonl_lines(str(source).split("\n"), name, max_bytes)
    with _gc_paused():
        return list(records)


def load_export(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_LOAD_BYTES) -> Agreement:
    """Load a ``.yaml``/``.yml`` or ``.json`` export of one agreement, choosing the reader by extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return from_json(path, max_bytes=max_bytes)
    return from_yaml(path, max_bytes=max_bytes)


def iter_exports(path: str | os.PathLike[str], format: Optional[str] = None, *,
                 max_bytes: int = DEFAULT_MAX_LOAD_BYTES, pure_python: bool = False) -> Iterator[Agreement]:
    """Every agreement in an export file: JSON Lines, a YAML stream, a JSON array or a single agreement.

    ``format`` (``"jsonl"``, ``"json"``, ``"yaml"``) follows the extension by default.
    The file is opened (and, except for JSON Lines, read and parsed) at once, so a
    missing or malformed file raises here; agreements are validated as they are iterated.
    JSON Lines are read line by line and ``max_bytes`` limits each line; for the other
    formats it limits the file.  CSV exports are not loadable.  To hold a whole JSON Lines
    corpus in a list, :func:`from_jsonl` is several times faster than ``list(iter_exports(...))``.
    """
    name = str(path)
    format = (format or format_for(path)).lower()
    format = {"yml": "yaml"}.get(format, format)
    if format == "csv":
        raise LoadError("CSV exports cannot be loaded back; export JSON Lines, JSON or YAML instead", name)
    if format not in ("jsonl", "json", "yaml"):
        raise ValueError(f"unknown export format {format!r}; choose one of jsonl, json, yaml")
    if format == "jsonl":
        return _iter_jsonl(_open_binary(Path(path)), name, max_bytes)
    text, _ = _read_text(Path(path), max_bytes)
    if format == "json":
        if text.lstrip().startswith("{"):
            return iter((_validate_json(text, name),))
        try:  # fast path, as in _validate_json
            with _gc_paused():
                items = _AGREEMENTS.validate_json(text)
        except (ValueError, RecursionError):
            pass
        else:
            if all("schema_version" in a.model_fields_set and a.schema_version in SUPPORTED_SCHEMA_VERSIONS
                   for a in items):
                return iter(items)
        return _iter_json(_json_loads(text, name), name)
    documents = yaml.load_all(text, Loader=yaml.SafeLoader if pure_python else _Loader)  # noqa: S506 - safe
    return _iter_yaml(documents, _yaml_budget(text), name)


def _iter_jsonl(handle: IO[bytes], name: str, max_bytes: int) -> Iterator[Agreement]:
    with handle:
        yield from _jsonl_lines(_limited_lines(handle, max_bytes), name, max_bytes)


def _limited_lines(handle: IO[bytes], max_bytes: int) -> Iterator[bytes]:
    # readline(limit) so one huge line is never read whole into memory.
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        yield line
        if len(line) > max_bytes:
            return


def _iter_json(data: Any, name: str) -> Iterator[Agreement]:
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield _validate(item, name, prefix=f"[{index}]")
    else:
        yield _validate(data, name)


def _iter_yaml(documents: Iterator[Any], budget: int, name: str) -> Iterator[Agreement]:
    number = 0
    while True:
        number += 1
        what = f"document {number}: "
        try:
            with _gc_paused():
                data = next(documents)
        except StopIteration:
            return
        except (yaml.YAMLError, RecursionError) as exc:
            raise _yaml_error(exc, name, what) from None
        budget = _count_nodes(data, budget, name)  # one budget for the whole stream
        yield _validate(data, name, what=what)
