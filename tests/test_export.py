"""Exports: YAML/JSON/JSON Lines round trips, JSON Schema, tidy CSV, incremental writers, safe loading."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, strategies as st

import treaty
from treaty.errors import LoadError, SchemaVersionError
from treaty.export import (AGREEMENT_COLUMNS, C_YAML, CLAUSE_COLUMNS, SUPPORTED_SCHEMA_VERSIONS, agreement_id,
                           agreement_row, clause_rows, from_json, from_jsonl, from_yaml, iter_exports, json_schema,
                           load_export, open_writer, to_csv, to_json, to_jsonl, to_yaml)
from treaty.models import (OBLIGATIONS, SCHEMA_VERSION, Agreement, DefenceClause, Diagnostic, Evidence,
                           InformationClause, LegalClause, Node, PoliticalClause, ProceduralClause, Profile,
                           Skipped, SocialClause, Source, Span, TradeClause, UnclassifiedClause)

from .conftest import EXAMPLE_TEXTS, EXAMPLES, GOLDEN, ROOT

NATO = EXAMPLES / "1949-north-atlantic-treaty.txt"
KCNA = EXAMPLES / "2024-russia-dprk-kcna.txt"


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> Agreement:
    return treaty.load(path)


def examples() -> list[Agreement]:
    return [parsed(p) for p in EXAMPLE_TEXTS]


@functools.lru_cache(maxsize=1)
def validator() -> jsonschema.protocols.Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def json_shape(data: object) -> object:
    """YAML data in its JSON shape (dates as ISO strings), as JSON Schema sees it."""
    return json.loads(json.dumps(data, default=lambda d: d.isoformat()))


# ---------------------------------------------------------------------------- generated agreements

# Strings YAML likes to misread, plus arbitrary Unicode (astral planes, NEL,
# line separators, BOM, controls) and multi-line text.
TRICKY = st.sampled_from(["", " ", "null", "~", "yes", "1.0", "0x1F", "2020-01-01", "- x", "a: b", "#x", "'", '"',
                          "|", ">", "<<", "=", "---", "...", "\n", " lead", "trail ", "x\n\n", "\n\nx", " \n x",
                          "a\r\nb", "\x85", "\u2028", "x\u2029y", "\U0001F600 x", "\ufeff", "\t", "\x00", "é" * 70,
                          "a" * 125, "word " * 30])
TEXT = st.one_of(TRICKY, st.text(max_size=30), st.lists(st.text(max_size=15), min_size=2, max_size=3).map("\n".join))
OPT_TEXT = st.none() | TEXT
TEXTS = st.lists(TEXT, max_size=2)
SPAN = st.builds(Span, start=st.integers(0, 2**40), end=st.integers(0, 2**40), line=st.integers(1, 10**6),
                 column=st.integers(1, 10**4))
COMMON = dict(modality=st.none() | st.sampled_from(["obligation", "prohibition", "permission", "aspiration"]),
              bound=TEXTS, conditions=TEXTS, timing=st.none() | st.just("immediate"), references=TEXTS,
              evidence=st.lists(st.builds(Evidence, rule=TEXT, text=TEXT, span=SPAN), max_size=2))
_CLAUSE = st.one_of(
    st.builds(DefenceClause, **COMMON, obligations=st.lists(st.sampled_from(OBLIGATIONS), max_size=3),
              trigger=OPT_TEXT, assistance=st.lists(st.sampled_from(["military", "other"]), max_size=2),
              means=OPT_TEXT, automatic=st.none() | st.booleans(), scope=OPT_TEXT, legal_basis=TEXTS, topics=TEXTS),
    st.builds(TradeClause, **COMMON, sectors=TEXTS, instruments=TEXTS),
    st.builds(LegalClause, **COMMON, instruments=TEXTS, offences=TEXTS),
    *(st.builds(kind, **COMMON, topics=TEXTS)
      for kind in (InformationClause, PoliticalClause, SocialClause, ProceduralClause)),
    st.builds(UnclassifiedClause, **COMMON),
)
CLAUSE = st.deferred(lambda: _CLAUSE)  # short reprs (hypothesis warns about long ones)
KIND = st.sampled_from(["recital", "division", "article", "paragraph", "point", "item", "text", "final",
                        "signature", "annex"])


def node(children: st.SearchStrategy[list[Node]]) -> st.SearchStrategy[Node]:
    return st.builds(Node, kind=KIND, id=TEXT, number=OPT_TEXT, heading=OPT_TEXT, text=TEXT, span=SPAN,
                     provision=st.booleans(), clauses=st.lists(CLAUSE, max_size=2), children=children)


NODES = st.lists(st.recursive(node(st.just([])), lambda kids: node(st.lists(kids, max_size=2)), max_leaves=3),
                 max_size=2)
_AGREEMENTS = st.builds(
    Agreement,
    source=st.builds(Source, name=OPT_TEXT, sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
                     size=st.integers(0, 2**40), encoding=TEXT, tool=TEXT),
    title=OPT_TEXT, parties=TEXTS, party_codes=TEXTS, signed=st.none() | st.dates(), place=OPT_TEXT,
    mode=st.sampled_from(["articles", "prose"]),
    profile=st.builds(Profile, defence=st.booleans(), offence=st.booleans(), neutrality=st.booleans(),
                      non_aggression=st.booleans(), consultation=st.booleans(),
                      by_party=st.dictionaries(TEXT, st.lists(st.sampled_from(OBLIGATIONS), max_size=2), max_size=2)),
    nodes=NODES,
    diagnostics=st.lists(st.builds(Diagnostic, code=TEXT, message=TEXT, severity=st.sampled_from(["info", "warning"]),
                                   line=st.integers(1, 10**6), column=st.integers(1, 10**4)), max_size=1),
    skipped=st.lists(st.builds(Skipped, reason=TEXT, text=TEXT, span=SPAN), max_size=1),
)
AGREEMENTS = st.deferred(lambda: _AGREEMENTS)


@given(AGREEMENTS)
def test_yaml_round_trip_and_both_emitters_agree(agreement: Agreement) -> None:
    text = to_yaml(agreement)
    assert from_yaml(text) == agreement
    assert from_yaml(text, pure_python=True) == agreement
    assert to_yaml(agreement, pure_python=True) == text


@given(AGREEMENTS)
def test_json_and_jsonl_round_trip(agreement: Agreement) -> None:
    text = to_json(agreement)
    assert from_json(text) == agreement
    assert from_json(to_json(agreement, indent=None)) == agreement
    # the fast serializer writes what the standard library would
    assert json.loads(text) == agreement.model_dump(mode="json")  # exactly, nulls included
    line = to_jsonl(agreement)
    assert line.count("\n") == 1 and len(line.splitlines()) == 1  # no raw U+2028 & co. splitting a record
    assert from_jsonl(line + line) == [agreement, agreement]
    validator().validate(json.loads(line))


# ---------------------------------------------------------------------------- examples and golden files

@pytest.mark.skipif(not C_YAML, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", EXAMPLE_TEXTS, ids=lambda p: p.name)
def test_c_and_pure_python_yaml_are_identical(path: Path) -> None:
    agreement = parsed(path)
    text = to_yaml(agreement)
    assert to_yaml(agreement, pure_python=True) == text
    assert from_yaml(text, pure_python=True) == from_yaml(text) == agreement


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.yaml")), ids=lambda p: p.name)
def test_golden_exports_validate_against_schema(golden: Path) -> None:
    validator().validate(json_shape(yaml.safe_load(golden.read_text(encoding="utf-8"))))


def test_json_and_jsonl_exports_validate_against_schema() -> None:
    check = validator()
    agreements = examples()
    for agreement in agreements:
        check.validate(json.loads(to_json(agreement)))
    lines = to_jsonl(agreements).splitlines()
    assert len(lines) == len(agreements)
    for line in lines:
        check.validate(json.loads(line))


def test_schema_is_versioned_and_rejects_what_the_loader_rejects() -> None:
    schema = json_schema()
    assert schema["$id"].endswith(f"agreement-{SCHEMA_VERSION}.json")
    assert schema["version"] == SCHEMA_VERSION and schema["title"]
    assert json.dumps(schema) == json.dumps(json_schema())
    check = validator()
    good = json.loads(to_json(parsed(NATO)))
    bad_version = dict(good, schema_version="9.9")
    no_version = {k: v for k, v in good.items() if k != "schema_version"}
    unknown_key = dict(good, colour="blue")
    bad_clause = json.loads(json.dumps(good))
    bad_clause["nodes"][2]["clauses"][0]["type"] = "military"
    bad_date = dict(good, signed="4 April 1949")
    for data in (bad_version, no_version, unknown_key, bad_clause, bad_date):
        assert not check.is_valid(data)


def test_to_json_of_several_is_the_array_json_dumps_writes() -> None:
    agreements = examples()[:3]
    plain = [a.model_dump(mode="json") for a in agreements]
    assert to_json(agreements) == json.dumps(plain, ensure_ascii=False, indent=2)
    assert to_json(agreements, indent=None) == json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    assert to_json([]) == "[]"


# ---------------------------------------------------------------------------- CSV

def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_clause_csv_columns_and_known_values() -> None:
    nato = parsed(NATO)
    text = to_csv(nato)
    assert text.splitlines()[0] == ",".join(CLAUSE_COLUMNS)
    rows = read_csv(text)
    assert len(rows) == sum(1 for _ in nato.clauses())
    assert {r["agreement"] for r in rows} == {"1949-north-atlantic-treaty"}
    art5 = [r for r in rows if r["provision"] == "art5" and r["type"] == "defence"]
    assert len(art5) == 1
    row = art5[0]
    assert row["article"] == "5" and row["trigger"] == "armed_attack" and row["modality"] == "obligation"
    assert "defence" in row["obligations"].split(";")
    assert row["line"] == "21" and row["text"].startswith("The Parties agree that an armed attack")
    assert row["timing"] == "immediate" and "UN Charter art. 51" in row["references"].split(";")
    # a column a clause type does not have is empty, not "None"
    political = next(r for r in rows if r["type"] == "political")
    assert political["trigger"] == "" and political["automatic"] == "" and political["sectors"] == ""


def test_agreement_csv_has_atop_profile_columns() -> None:
    rows = read_csv(to_csv(parsed(NATO), "agreements"))
    assert list(rows[0]) == list(AGREEMENT_COLUMNS)
    (row,) = rows
    assert {k: row[k] for k in ("defense", "offense", "neutral", "nonagg", "consul")} == \
        {"defense": "1", "offense": "0", "neutral": "0", "nonagg": "1", "consul": "1"}
    assert row["signed"] == "1949-04-04" and row["clauses"] == str(len(clause_rows(parsed(NATO))))
    assert row["sha256"] == parsed(NATO).source.sha256


def test_csv_lists_are_semicolon_joined_without_ambiguity() -> None:
    kcna = parsed(KCNA)
    row = agreement_row(kcna)
    assert row["party_codes"] == ";".join(kcna.party_codes) and ";" in row["party_codes"]
    odd = kcna.model_copy(update={"parties": ["Kingdom; of Somewhere", "B"], "source": kcna.source.model_copy(
        update={"name": None})})
    assert agreement_row(odd)["parties"] == "Kingdom, of Somewhere;B"
    assert agreement_id(odd) == "sha256:" + kcna.source.sha256[:12]
    assert all(r["agreement"] == agreement_id(odd) for r in clause_rows(odd))


def test_clause_rows_cover_every_clause_type_column() -> None:
    rows = [r for a in examples() for r in clause_rows(a)]
    assert all(list(r) == list(CLAUSE_COLUMNS) for r in rows)
    by_type = {r["type"]: r for r in rows}
    assert by_type["trade"]["sectors"] is not None and by_type["trade"]["offences"] is None
    assert by_type["legal"]["offences"] is not None and by_type["legal"]["sectors"] is None
    assert all(r["automatic"] in (0, 1, None) for r in rows)


# ---------------------------------------------------------------------------- incremental writers

@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".yaml", ".yml", ".csv"])
def test_writer_output_matches_the_text_functions(tmp_path: Path, suffix: str) -> None:
    agreements = examples()[:3]
    out = tmp_path / f"out{suffix}"
    with open_writer(out) as writer:
        for agreement in agreements:
            writer.write(agreement)
    assert writer.count == 3 and writer.closed
    produced = out.read_bytes().decode("utf-8")
    expected = {".jsonl": to_jsonl(agreements), ".json": to_json(agreements) + "\n", ".yaml": to_yaml(agreements),
                ".yml": to_yaml(agreements), ".csv": to_csv(agreements)}[suffix]
    assert produced == expected
    if suffix == ".csv":
        sibling = tmp_path / "out.agreements.csv"
        assert writer.paths == [out, sibling]
        assert sibling.read_text(encoding="utf-8") == to_csv(agreements, "agreements")
    else:
        assert list(iter_exports(out)) == agreements


def test_writers_are_deterministic(tmp_path: Path) -> None:
    for run in ("a", "b"):
        agreements = [treaty.load(p) for p in (NATO, KCNA)]  # parsed afresh each run
        for suffix in (".jsonl", ".json", ".yaml", ".csv"):
            with open_writer(tmp_path / f"{run}{suffix}") as writer:
                for agreement in agreements:
                    writer.write(agreement)
    for suffix in (".jsonl", ".json", ".yaml", ".csv", ".agreements.csv"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".yaml", ".csv"])
def test_interrupted_writer_keeps_what_it_wrote(tmp_path: Path, suffix: str) -> None:
    agreements = examples()[:2]
    out = tmp_path / f"corpus{suffix}"
    with pytest.raises(KeyboardInterrupt):
        with open_writer(out) as writer:
            for agreement in agreements:
                writer.write(agreement)
            raise KeyboardInterrupt
    if suffix == ".csv":
        assert read_csv(out.read_text(encoding="utf-8")) == read_csv(to_csv(agreements))
        assert len(read_csv((tmp_path / "corpus.agreements.csv").read_text(encoding="utf-8"))) == 2
    else:
        assert list(iter_exports(out)) == agreements  # complete and loadable, JSON array closed


def test_writes_reach_the_disk_before_close(tmp_path: Path) -> None:
    agreements = examples()[:2]
    writer = open_writer(tmp_path / "run.jsonl")
    csv_writer = open_writer(tmp_path / "run.csv")
    for agreement in agreements:
        writer.write(agreement)
        csv_writer.write(agreement)
    # as a killed process would leave them
    assert from_jsonl(tmp_path / "run.jsonl") == agreements
    assert len(read_csv((tmp_path / "run.agreements.csv").read_text(encoding="utf-8"))) == 2
    writer.close()
    csv_writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write(agreements[0])


def test_writer_to_streams_and_bad_formats(tmp_path: Path) -> None:
    stream = io.StringIO()
    with open_writer(stream, "jsonl") as writer:
        writer.write(parsed(NATO))
    assert not stream.closed and stream.getvalue() == to_jsonl(parsed(NATO))
    clauses, agreements = io.StringIO(), io.StringIO()
    with open_writer(clauses, "csv", agreements=agreements) as writer:
        writer.write(parsed(NATO))
    assert clauses.getvalue() == to_csv(parsed(NATO)) and agreements.getvalue() == to_csv(parsed(NATO), "agreements")
    with pytest.raises(ValueError, match="agreements="):
        open_writer(io.StringIO(), "csv")
    with pytest.raises(ValueError, match="format"):
        open_writer(io.StringIO())
    with pytest.raises(ValueError, match=r"\.jsonl"):
        open_writer(tmp_path / "out.txt")
    with pytest.raises(ValueError, match="unknown export format"):
        open_writer(tmp_path / "out.txt", "xml")
    with open_writer(tmp_path / "empty.json") as writer:
        pass
    assert (tmp_path / "empty.json").read_text() == "[]\n" and list(iter_exports(tmp_path / "empty.json")) == []


# ---------------------------------------------------------------------------- loading errors

def golden_data() -> dict:
    return yaml.safe_load((GOLDEN / "1949-north-atlantic-treaty.yaml").read_text(encoding="utf-8"))


def test_bad_yaml_syntax_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: '1.0'\ntitle: x\n  bad: indentation\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        from_yaml(path)
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 3, 6)
    assert str(info.value).startswith(f"{path}:3:6: not valid YAML")


def test_wrong_field_type_names_the_key_path(tmp_path: Path) -> None:
    data = golden_data()
    data["nodes"][0]["span"]["start"] = "the beginning"
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_export(path)
    assert info.value.key_path == "nodes[0].span.start"
    assert str(info.value).startswith(str(path)) and "nodes[0].span.start" in str(info.value)
    json_path = tmp_path / "wrong.json"
    data["nodes"][0]["span"]["start"] = 0
    data["nodes"][3]["clauses"][0]["modality"] = "must"
    json_path.write_text(json.dumps(data, default=str), encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_export(json_path)
    assert info.value.key_path == "nodes[3].clauses[0].modality" and info.value.file == str(json_path)


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payloads = [
        "!!python/object/apply:builtins.exec\n- \"import pathlib; pathlib.Path(%r).touch()\"\n" % str(marker),
        "schema_version: '1.0'\nsource: !!python/object:treaty.models.Source {sha256: x, size: 1, tool: t}\n",
        "!!python/name:os.system\n",
    ]
    for number, payload in enumerate(payloads):
        path = tmp_path / f"evil{number}.yaml"
        path.write_text(payload, encoding="utf-8")
        for pure in (False, True):
            with pytest.raises(LoadError, match="constructor for the tag"):
                from_yaml(path, pure_python=pure)
    assert not marker.exists()


BILLION_LAUGHS = "lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]\n" for i in range(1, 10))


@pytest.mark.parametrize("text", [BILLION_LAUGHS, "schema_version: '1.0'\n" + BILLION_LAUGHS,
                                  "a: &a [*a, *a]\nb: [*a, *a, *a]\n"], ids=["plain", "versioned", "recursive"])
def test_billion_laughs_fails_fast(tmp_path: Path, text: str) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(text, encoding="utf-8")
    for load in (lambda: from_yaml(path), lambda: from_yaml(path, pure_python=True),
                 lambda: list(iter_exports(path)), lambda: from_yaml(text)):
        start = time.perf_counter()
        with pytest.raises(LoadError, match="billion laughs"):
            load()
        assert time.perf_counter() - start < 1.0


def test_size_limit(tmp_path: Path) -> None:
    text = to_yaml(parsed(NATO))
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    for source in (path, text):
        with pytest.raises(LoadError, match="over the limit of 1,000 bytes"):
            from_yaml(source, max_bytes=1000)
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text(to_jsonl(parsed(NATO)), encoding="utf-8")
    with pytest.raises(LoadError, match="line is over the limit") as info:
        from_jsonl(jsonl, max_bytes=1000)
    assert info.value.line == 1
    assert from_yaml(path, max_bytes=len(text.encode())) == parsed(NATO)


@pytest.mark.parametrize("version", ["2.0", "0.9", 2])
def test_unknown_schema_version_lists_supported_versions(tmp_path: Path, version: object) -> None:
    data = json.loads(to_json(parsed(NATO)))
    data["schema_version"] = version
    for load, text in ((from_yaml, yaml.safe_dump(data)), (from_json, json.dumps(data))):
        with pytest.raises(SchemaVersionError) as info:
            load(text)
        assert f"{version!r} is not supported" in str(info.value)
        assert all(v in info.value.message for v in SUPPORTED_SCHEMA_VERSIONS)
        assert info.value.key_path == "schema_version"
    del data["schema_version"]
    with pytest.raises(SchemaVersionError, match="missing schema_version"):
        from_json(json.dumps(data))


def test_json_errors_name_line_and_stay_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as info:
        from_json('{\n  "schema_version": "1.0",\n  "title": oops\n}')
    assert (info.value.line, info.value.column) == (3, 12)
    with pytest.raises(LoadError, match="nested too deeply"):
        from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(LoadError, match="iter_exports"):
        from_json(to_json(examples()[:2]))
    path = tmp_path / "corpus.jsonl"
    good = to_jsonl(parsed(KCNA))
    path.write_text(good + "\n" + good.replace('"mode":"prose"', '"mode":"poetry"') + good, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        list(iter_exports(path))
    assert info.value.line == 3 and info.value.key_path == "mode" and info.value.file == str(path)


def test_collections_name_the_bad_item(tmp_path: Path) -> None:
    good = json.loads(to_json(parsed(KCNA)))
    bad = json.loads(json.dumps(good))
    bad["nodes"][1]["span"]["line"] = 0
    array = tmp_path / "corpus.json"
    array.write_text(json.dumps([good, bad]), encoding="utf-8")
    with pytest.raises(LoadError) as info:
        list(iter_exports(array))
    assert info.value.key_path == "[1].nodes[1].span.line"
    stream = tmp_path / "corpus.yaml"
    stream.write_text(to_yaml(parsed(KCNA)) + "---\n" + yaml.safe_dump(bad), encoding="utf-8")
    loaded = iter_exports(stream)
    assert next(loaded) == parsed(KCNA)
    with pytest.raises(LoadError, match="document 2") as info:
        next(loaded)
    assert info.value.key_path == "nodes[1].span.line"
    with pytest.raises(LoadError, match="iter_exports"):
        from_yaml(stream)


def test_missing_files_and_csv_are_clear_load_errors(tmp_path: Path) -> None:
    for load in (from_yaml, from_json, from_jsonl, iter_exports):
        with pytest.raises(LoadError, match="no such file"):
            load(str(tmp_path / "missing.yaml"))
    with pytest.raises(LoadError, match="is a directory"):
        from_yaml(tmp_path)
    with pytest.raises(LoadError, match="cannot be loaded back"):
        iter_exports(tmp_path / "clauses.csv")


def test_signed_date_round_trips_as_yaml_date() -> None:
    text = to_yaml(parsed(NATO))
    assert "\nsigned: 1949-04-04\n" in text
    assert from_yaml(text).signed == dt.date(1949, 4, 4)


def test_every_csv_column_is_documented() -> None:
    page = (ROOT / "docs" / "reference" / "formats.md").read_text(encoding="utf-8")
    clause_part, agreement_part = page.split("### Clause table")[1].split("### Agreement table")
    for part, columns in ((clause_part, CLAUSE_COLUMNS), (agreement_part, AGREEMENT_COLUMNS)):
        documented = re.findall(r"^\| `(\w+)` \|", part, re.M)
        assert documented == list(columns)
