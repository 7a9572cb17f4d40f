"""The installed ``treaty`` command, driven in a subprocess as a user would."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLES, ROOT

TREATY = shutil.which("treaty", path=str(Path(sys.executable).parent)) or "treaty"
KEY_POINTS = EXAMPLES / "2024-russia-dprk-key-points-news.txt"
NATO = EXAMPLES / "1949-north-atlantic-treaty.txt"
USSR = EXAMPLES / "1961-ussr-dprk-treaty.txt"
KCNA = EXAMPLES / "2024-russia-dprk-kcna.txt"
BIT = EXAMPLES / "1995-netherlands-mongolia-bit.txt"
ANSI = "\x1b["
COMMANDS = ["parse", "explain", "compare", "corpus", "schema", "evaluate"]


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TREATY, *args], input=stdin.decode() if stdin else None, capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env)


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals and SIGINT to a child are POSIX")


def run_on_tty(*args: str, stream: str = "stdout", env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run with standard output (or error) on a pseudo-terminal; return the exit code and what it showed."""
    import pty

    master, slave = pty.openpty()
    other = subprocess.DEVNULL
    proc = subprocess.Popen([TREATY, *args], stdin=subprocess.DEVNULL, env=env,
                            stdout=slave if stream == "stdout" else other,
                            stderr=slave if stream == "stderr" else other)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # Linux: EIO once the child has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


def blocks(text: str) -> dict[str, str]:
    """explain output split into provision blocks, keyed by provision id."""
    out = {}
    for block in text.split("\n\n")[1:]:
        out[block.split()[0]] = block
    return out


# ---------------------------------------------------------------------------- parse

def test_parse_prints_yaml_tree() -> None:
    result = run("parse", str(USSR))
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert data["schema_version"] == "1.0"
    assert [n["id"] for n in data["nodes"] if n["kind"] == "article"] == ["art1", "art2", "art3", "art4", "art5"]


def test_parse_json_from_stdin() -> None:
    result = run("parse", "--format", "json", "-", stdin=b"Article IV\n\nThe Parties shall consult.\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["nodes"][0]["id"] == "art4"


def test_parse_writes_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    result = run("parse", str(KCNA), "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert yaml.safe_load(out.read_text())["mode"] == "prose"


def test_parse_several_files_as_json_array_and_yaml_stream() -> None:
    as_json = run("parse", "--format", "json", str(USSR), str(KCNA))
    assert as_json.returncode == 0, as_json.stderr
    assert [a["mode"] for a in json.loads(as_json.stdout)] == ["articles", "prose"]
    as_yaml = run("parse", str(USSR), str(KCNA))
    assert [a["mode"] for a in yaml.safe_load_all(as_yaml.stdout)] == ["articles", "prose"]


def test_parse_format_follows_output_extension(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert run("parse", str(USSR), "-o", str(out)).returncode == 0
    assert json.loads(out.read_text())["source"]["name"] == str(USSR)


def test_parse_csv_writes_clause_and_agreement_tables(tmp_path: Path) -> None:
    out = tmp_path / "clauses.csv"
    result = run("parse", "--format", "csv", str(NATO), str(KEY_POINTS), "-o", str(out))
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "clauses.agreements.csv", newline="", encoding="utf-8") as handle:
        agreements = list(csv.DictReader(handle))
    assert [a["agreement"] for a in agreements] == [NATO.stem, KEY_POINTS.stem]
    with open(out, newline="", encoding="utf-8") as handle:
        clauses = list(csv.DictReader(handle))
    item4 = [c for c in clauses if c["agreement"] == KEY_POINTS.stem and c["provision"] == "item4"]
    assert item4 and item4[0]["type"] == "defence" and "defence" in item4[0]["obligations"]


def test_parse_csv_needs_an_output_file() -> None:
    result = run("parse", "--format", "csv", str(USSR))
    assert result.returncode == 2 and "-o" in result.stderr


# ---------------------------------------------------------------------------- errors

def _bad_utf8_after_bom(d: Path) -> Path:
    path = d / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfArticle 1\n\nThe Parties \xff\xfe shall consult.\n")
    return path


BAD_INPUTS = [
    (lambda d: d / "missing.txt", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "empty.txt", (d / "empty.txt").write_bytes(b""))[0], "empty input"),
    (lambda d: (d / "bin.dat", (d / "bin.dat").write_bytes(b"\x00\x01\x02binary"))[0], "binary file"),
    (_bad_utf8_after_bom, "byte-order mark"),
]


@pytest.mark.parametrize("command", ["parse", "explain"])
@pytest.mark.parametrize("make,message", BAD_INPUTS, ids=["missing", "directory", "empty", "binary", "encoding"])
def test_bad_input_is_one_line_exit_1(tmp_path: Path, make, message: str, command: str) -> None:  # noqa: ANN001
    path = make(tmp_path)
    result = run(command, str(path))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stderr.startswith(f"{path}:")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_undecodable_text_names_the_line(tmp_path: Path) -> None:
    path = _bad_utf8_after_bom(tmp_path)
    assert run("parse", str(path)).stderr.startswith(f"{path}:3:")


def test_undecodable_text_names_the_column(tmp_path: Path) -> None:
    path = _bad_utf8_after_bom(tmp_path)
    assert run("parse", str(path)).stderr.startswith(f"{path}:3:13: ")


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "out.yaml"
    result = run("parse", str(USSR), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr == f"{out}: No such file or directory\n"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "parse", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "InputError" in result.stderr


@pytest.mark.parametrize("args", [
    ["parse", "--format", "pdf", str(USSR)],
    ["parse"],
    ["explain", "--type", "military", str(USSR)],
    ["compare", str(USSR)],
    ["corpus", str(EXAMPLES)],
    ["corpus", str(EXAMPLES), "-o", "out.txt"],
    ["corpus", str(EXAMPLES), "-o", "out.csv", "--jobs", "-1"],
    ["frobnicate"],
])
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Error" in result.stderr and "Traceback" not in result.stderr


def test_internal_errors_are_one_line_without_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    # A bug cannot be provoked through the installed command, so this one runs in-process.
    from click.testing import CliRunner

    import treaty.api
    from treaty.cli import main

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(treaty.api, "load", broken)
    result = CliRunner().invoke(main, ["parse", str(USSR)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "treaty: internal error: RuntimeError: boom (run 'treaty --debug ...' for the traceback and please report it)"]
    assert isinstance(CliRunner().invoke(main, ["--debug", "parse", str(USSR)]).exception, RuntimeError)


# ---------------------------------------------------------------------------- help and version

def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("treaty, version ")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_a_real_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout
    examples = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(f"treaty {command}")]
    assert examples, result.stdout


def test_main_help_lists_commands_in_order() -> None:
    out = run("--help").stdout
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == COMMANDS


# ---------------------------------------------------------------------------- explain

def test_explain_shows_types_obligations_and_deciding_words() -> None:
    result = run("explain", str(KEY_POINTS))
    assert result.returncode == 0, result.stderr
    assert ANSI not in result.stdout  # piped: no colour
    found = blocks(result.stdout)
    assert list(found)[:3] == ["item1", "item2", "item3"] and len(found) == 20
    item4 = found["item4"]
    head = item4.splitlines()[0]
    assert head.startswith("item4  line ") and "defence" in head and "obligations: defence" in head
    for words in ('"state of war"', "trigger.state_of_war", '"all available means"',
                  '"military and other assistance"', '"Article 51 of the U.N. Charter"'):
        assert words in item4
    assert "obligations: consultation" in found["item3"]
    assert "trade" in found["item10"].splitlines()[0] and '"investment"' in found["item10"]


def test_explain_type_filter() -> None:
    result = run("explain", "--type", "defence", str(NATO))
    assert result.returncode == 0
    found = blocks(result.stdout)
    assert "art5" in found and "art11" not in found  # art11: ratification, procedural
    assert all("defence" in block.splitlines()[0] for block in found.values())


def test_explain_reads_a_yaml_export(tmp_path: Path) -> None:
    out = tmp_path / "kp.yaml"
    assert run("parse", str(KEY_POINTS), "-o", str(out)).returncode == 0
    from_text, from_export = run("explain", str(KEY_POINTS)), run("explain", str(out))
    assert from_export.returncode == 0, from_export.stderr
    assert blocks(from_export.stdout) == blocks(from_text.stdout)


@posix_only
def test_explain_colour_on_a_terminal_but_not_with_no_color() -> None:
    code, shown = run_on_tty("explain", str(KEY_POINTS), env=env_with())
    assert code == 0 and ANSI in shown and "state of war" in shown
    code, shown = run_on_tty("explain", str(KEY_POINTS), env=env_with(NO_COLOR="1"))
    assert code == 0 and ANSI not in shown and "state of war" in shown


def test_explain_colour_can_be_forced() -> None:
    assert ANSI in run("explain", "--color", str(KEY_POINTS)).stdout


# ---------------------------------------------------------------------------- schema and evaluate

def test_schema_validates_the_json_export() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "nodes" in schema["properties"]
    export = json.loads(run("parse", "--format", "json", str(KEY_POINTS)).stdout)
    jsonschema.validate(export, schema)
    export["nodes"][0]["kind"] = "chapter-ish"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(export, schema)


def test_evaluate_defaults_to_the_examples() -> None:
    result = run("evaluate", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "north-atlantic-treaty.yaml  ->  1949-north-atlantic-treaty.txt" in result.stdout
    assert "all gold files" in result.stdout
    assert "defence      precision" in result.stdout.split("all gold files")[1]


def test_evaluate_with_explicit_text_folders(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    texts = tmp_path / "texts"
    gold.mkdir()
    texts.mkdir()
    shutil.copy(EXAMPLES / "gold" / "north-atlantic-treaty.yaml", gold)
    shutil.copy(NATO, texts)
    result = run("evaluate", str(gold), "--texts", str(texts), "-v")
    assert result.returncode == 0, result.stderr
    assert "->  1949-north-atlantic-treaty.txt" in result.stdout
    missing = run("evaluate", str(gold), "--texts", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and missing.stderr == f"{tmp_path / 'nowhere'}: no such directory\n"


# ---------------------------------------------------------------------------- compare

needs_compare = pytest.mark.skipif(importlib.util.find_spec("treaty.compare") is None,
                                   reason="treaty/compare.py is not there yet")


@needs_compare
@pytest.mark.parametrize("fmt", ["text", "markdown", "yaml", "json"])
def test_compare_two_files(fmt: str) -> None:
    result = run("compare", "--format", fmt, str(USSR), str(KCNA))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    if fmt == "json":
        json.loads(result.stdout)
    elif fmt == "yaml":
        assert yaml.safe_load(result.stdout)


@needs_compare
def test_compare_several_files_names_each(tmp_path: Path) -> None:
    out = tmp_path / "table.md"
    result = run("compare", "--format", "markdown", str(USSR), str(KCNA), str(KEY_POINTS), "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = out.read_text()
    assert all(p.stem in table for p in (USSR, KCNA, KEY_POINTS))


@needs_compare
def test_compare_same_stem_twice_keeps_names_apart(tmp_path: Path) -> None:
    copy = tmp_path / USSR.name
    shutil.copy(USSR, copy)
    result = run("compare", "--format", "json", str(USSR), str(copy), str(KCNA))
    assert result.returncode == 0, result.stderr
    assert str(copy) in result.stdout and str(USSR) in result.stdout


@needs_compare
def test_compare_bad_input_is_one_line(tmp_path: Path) -> None:
    result = run("compare", str(USSR), str(tmp_path / "missing.txt"))
    assert result.returncode == 1 and result.stderr == f"{tmp_path / 'missing.txt'}: no such file\n"


# ---------------------------------------------------------------------------- corpus

@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    shutil.copy(USSR, folder / "b-ussr.txt")
    shutil.copy(EXAMPLES / "nl-BWBV0001046-exchange-of-notes.md", folder / "c-notes.md")
    body = "".join(f"<p>{line}</p>\n" for line in KCNA.read_text(encoding="utf-8").splitlines() if line.strip())
    (folder / "sub" / "d-kcna.html").write_text(f"<html><body>\n{body}</body></html>\n", encoding="utf-8")
    (folder / "a-bad.txt").write_bytes(b"\x00\x01\x02 not a treaty")  # first in order: must not stop the run
    (folder / "e-empty.md").write_bytes(b"   \n")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a text type: not read
    shutil.copy(NATO, folder / ".hidden" / "x.txt")  # hidden: not read
    return folder


def test_corpus_reports_failures_and_writes_the_rest(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("corpus", str(small_corpus), "-o", str(out))
    assert result.returncode == 1  # some input was bad, though the run went on
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["name"]).name for r in records] == ["b-ussr.txt", "c-notes.md", "d-kcna.html"]
    assert records[2]["mode"] == "prose"
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{small_corpus / 'a-bad.txt'}:1:1: binary file")
    assert lines[1].startswith(f"{small_corpus / 'e-empty.md'}: empty input")
    assert lines[2].startswith("treaty corpus: 3 of 5 files written") and "2 failed" in lines[2]
    assert len(lines) == 3 and "Traceback" not in result.stderr


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".yaml"])
def test_corpus_output_is_identical_for_any_number_of_jobs(small_corpus: Path, tmp_path: Path,
                                                           suffix: str) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}{suffix}"
        result = run("corpus", str(small_corpus), "-o", str(out), "--jobs", jobs)
        assert result.returncode == 1 and "3 of 5 files written" in result.stderr
        files = [out] + ([out.with_name(out.stem + ".agreements.csv")] if suffix == ".csv" else [])
        outputs.append([f.read_bytes() for f in files])
    assert outputs[0] == outputs[1]
    assert all(len(content) > 1000 for content in outputs[0])


def test_corpus_all_good_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    shutil.copy(USSR, folder)
    result = run("corpus", str(folder), "-o", str(tmp_path / "out.yaml"), "-j", "0")
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((tmp_path / "out.yaml").read_text())["source"]["name"].endswith(USSR.name)
    assert result.stderr.startswith("treaty corpus: 1 of 1 files written") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing", "no such directory"),
    (lambda d: USSR, "is a file, not a directory"),
    (lambda d: (d / "empty", (d / "empty").mkdir())[0], "no .txt, .md, .html, .htm files"),
])
def test_corpus_bad_folder_is_one_line_exit_1(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    folder = make(tmp_path)
    out = tmp_path / "out.csv"
    result = run("corpus", str(folder), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr == f"{folder}: {message}" + result.stderr.split(message, 1)[1]
    assert result.stderr.count("\n") == 1 and not out.exists()


def test_corpus_unwritable_output_fails_before_any_work(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "out.csv"
    result = run("corpus", str(small_corpus), "-o", str(out), "--jobs", "2")
    assert result.returncode == 1 and result.stderr == f"{out}: No such file or directory\n"


@posix_only
def test_corpus_progress_bar_only_on_a_terminal(small_corpus: Path, tmp_path: Path) -> None:
    code, shown = run_on_tty("corpus", str(small_corpus), "-o", str(tmp_path / "a.jsonl"), stream="stderr")
    assert code == 1
    assert "parsing" in shown and "5/5" in shown and "files/s" in shown.split("treaty corpus:")[0]
    piped = run("corpus", str(small_corpus), "-o", str(tmp_path / "b.jsonl"))
    assert "parsing" not in piped.stderr and "5/5" not in piped.stderr


def start_corpus_of_copies(tmp_path: Path, total: int, suffix: str, jobs: str) -> tuple[subprocess.Popen, Path]:
    """Start 'treaty corpus' on ``total`` copies of an example; return once it has written a few lines."""
    folder = tmp_path / "many"
    folder.mkdir()
    text = BIT.read_bytes()
    for i in range(total):
        (folder / f"t{i:03}.txt").write_bytes(text)
    out = tmp_path / f"out{suffix}"
    proc = subprocess.Popen([TREATY, "corpus", str(folder), "-o", str(out), "--jobs", jobs],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 5):
        time.sleep(0.01)
    return proc, out


@posix_only
@pytest.mark.parametrize("suffix,jobs", [(".jsonl", "2"), (".csv", "1")])
def test_ctrl_c_keeps_complete_records(tmp_path: Path, suffix: str, jobs: str) -> None:
    total = 400
    proc, out = start_corpus_of_copies(tmp_path, total, suffix, jobs)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert stderr.count("\n") == 1 and "interrupted after" in stderr and "Traceback" not in stderr
    kept = int(stderr.split("kept the ")[1].split()[0])
    assert 0 < kept < total
    content = out.read_text(encoding="utf-8")
    assert content.endswith("\n")
    if suffix == ".jsonl":
        records = [json.loads(line) for line in content.splitlines()]
        assert len(records) == kept and all(r["source"]["name"].endswith(".txt") for r in records)
    else:
        with open(out.with_name(out.stem + ".agreements.csv"), newline="", encoding="utf-8") as handle:
            agreements = list(csv.reader(handle))
        with open(out, newline="", encoding="utf-8") as handle:
            clauses = list(csv.reader(handle))
        assert len(agreements) - 1 == kept
        assert len({len(row) for row in agreements}) == 1 and len({len(row) for row in clauses}) == 1
        per_text = sum(1 for row in clauses if row[0] == "t000")
        assert per_text and len(clauses) - 1 == per_text * kept  # every record's clauses, none torn


@posix_only
@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep to find the worker processes")
def test_a_killed_worker_ends_the_run_with_one_line(tmp_path: Path) -> None:
    total = 400
    proc, out = start_corpus_of_copies(tmp_path, total, ".jsonl", "2")
    workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert workers
    os.kill(int(workers[0]), signal.SIGKILL)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 1, stderr
    assert stderr.count("\n") == 1 and "a worker process died" in stderr and "Traceback" not in stderr
    kept = int(stderr.split("kept the ")[1].split()[0])
    assert 0 < kept < total
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["schema_version"] for r in records] == ["1.0"] * kept
    lost = Path(stderr.split(") on ")[1].split(" after ")[0])  # the file the dead worker was parsing
    assert lost.parent == tmp_path / "many" and lost.name not in {Path(r["source"]["name"]).name for r in records}
