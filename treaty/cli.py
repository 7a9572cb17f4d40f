"""The ``treaty`` command line: parse, explain, compare, corpus, schema, evaluate.

Heavy modules (the parsers, the models, YAML) are imported inside the commands,
so that ``treaty --help`` and ``treaty --version`` start quickly.
"""

from __future__ import annotations

import errno
import gc
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import click

from . import __version__
from .errors import InputError, TreatyError
from .source import DEFAULT_MAX_BYTES

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

#: File types ``treaty corpus`` reads from a folder.
CORPUS_SUFFIXES = (".txt", ".md", ".html", ".htm")
#: Output types the export writers produce, by extension.
EXPORT_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
_EXPORT_INPUTS = (".yaml", ".yml", ".json")


def _fail(message: str) -> None:
    click.echo(message, err=True)


class _Group(click.Group):
    """Turns errors into one-line messages (``--debug`` shows the traceback) and lists commands in order."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:
            if _debug(ctx) or (isinstance(err, OSError) and err.errno == errno.EPIPE):
                raise  # click itself silences a closed pipe (``treaty parse x | head``)
            _fail(_one_line(err))
            ctx.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            if _debug(ctx):
                raise
            _fail("treaty: interrupted")
            ctx.exit(EXIT_INTERRUPTED)


def _one_line(err: Exception) -> str:
    if isinstance(err, TreatyError):
        return str(err)
    if isinstance(err, OSError):
        return f"{err.filename or 'treaty'}: {err.strerror or err}"
    return (f"treaty: internal error: {type(err).__name__}: {err} "
            "(run 'treaty --debug ...' for the traceback and please report it)")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="treaty")
@click.option("--debug", is_flag=True, help="Show Python tracebacks (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Read the text of an international agreement into typed, comparable clauses.

    Errors are reported as 'file:line:column: message'; the exit status is 1
    for bad input, 2 for bad usage and 130 after Ctrl-C.

    \b
    Examples:
      treaty parse examples/1949-north-atlantic-treaty.txt
      treaty parse --format json - < treaty.txt
      treaty explain examples/2024-russia-dprk-key-points-news.txt
      treaty compare examples/1961-ussr-dprk-treaty.txt examples/2024-russia-dprk-kcna.txt
      treaty corpus ../shared/corpus/nl-treaties -o nl.csv --jobs 4
    """
    ctx.obj = {"debug": debug}


def _debug(ctx: click.Context | None = None) -> bool:
    """Whether ``--debug`` was given."""
    ctx = ctx or click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx else None
    return bool(obj and obj.get("debug"))


def _load(path: str, max_size: int):  # noqa: ANN202
    from .api import load

    if path == "-":
        return load(sys.stdin.buffer, max_bytes=max_size)
    return load(path, max_bytes=max_size)


def _read_agreement(path: str, max_size: int):  # noqa: ANN202
    """A treaty text is parsed; a YAML/JSON export (from ``treaty parse``) is loaded as it is."""
    if path != "-" and Path(path).suffix.lower() in _EXPORT_INPUTS and Path(path).is_file():
        from .export import load_export

        return load_export(path)
    return _load(path, max_size)


def _emit(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


_max_size_option = click.option("--max-size", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                                 show_default=True, help="Refuse inputs larger than this many bytes.")
_output_option = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                              help="Write to this file instead of standard output.")


# ---------------------------------------------------------------------------- parse

@main.command("parse", short_help="Parse texts into a document tree with typed clauses.")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "csv"]), default=None,
              help="Output format  [default: from the extension of -o, else yaml]")
@_output_option
@_max_size_option
@click.option("--quiet", "-q", is_flag=True, help="Do not print diagnostics on standard error.")
def parse_cmd(paths: Sequence[str], fmt: str | None, output: str | None, max_size: int, quiet: bool) -> None:
    """Parse agreement texts into a document tree with typed clauses.

    PATH is a text, markdown or web copy of an agreement; '-' reads standard
    input.  Several files give a YAML stream, a JSON array or one CSV table.
    CSV writes clause rows to -o FILE.csv and agreement rows to
    FILE.agreements.csv.

    \b
    Examples:
      treaty parse examples/1961-ussr-dprk-treaty.txt -o ussr-dprk.yaml
      treaty parse --format json examples/2024-russia-dprk-kcna.txt
      treaty parse examples/*.txt -o clauses.csv
    """
    if fmt is None:
        suffix = Path(output).suffix.lower() if output else ""
        fmt = {".json": "json", ".csv": "csv"}.get(suffix, "yaml")
    if fmt == "csv" and not output:
        raise click.UsageError("--format csv writes two files (clauses and agreements); give -o FILE.csv")
    agreements = []
    for path in paths:
        agreement = _load(path, max_size)
        if not quiet:
            for diag in agreement.diagnostics:
                click.echo(diag.format(path), err=True)
        agreements.append(agreement)
    if fmt == "csv":
        from .export import open_writer

        with open_writer(output, "csv") as writer:
            for agreement in agreements:
                writer.write(agreement)
        return
    from .export import to_json, to_yaml

    if fmt == "json":
        text = to_json(agreements[0] if len(agreements) == 1 else agreements) + "\n"
    else:
        text = to_yaml(agreements[0] if len(agreements) == 1 else agreements)
    _emit(text, output)


# ---------------------------------------------------------------------------- explain

_TYPE_COLOURS = {"defence": "red", "trade": "green", "legal": "magenta", "information": "cyan",
                 "political": "blue", "social": "yellow", "procedural": None, "unclassified": "bright_black"}


def _colour(flag: bool | None) -> bool | None:
    """``--color``/``--no-color`` win; else NO_COLOR turns colour off; else click decides (terminal only)."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    return None


def _shorten(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def explain_lines(agreement: Any, name: str, only: Sequence[str] = ()) -> Iterator[str]:
    """Styled lines for ``treaty explain``: per provision its types, obligations and deciding words."""
    from .classify import explain_rows

    style = click.style
    rows = explain_rows(agreement)
    profile = [k for k, v in agreement.profile.model_dump().items() if v is True]
    title = f"{_shorten(agreement.title, 80)} - " if agreement.title else ""
    yield style(f"{name}: {title}{len(rows)} provisions; ATOP profile: {', '.join(profile) or 'none'}", bold=True)
    for row in rows:
        types = [c["type"] for c in row["clauses"]] or ["unclassified"]
        if only and not set(types) & set(only):
            continue
        obligations = [o for c in row["clauses"] for o in c["obligations"]]
        yield ""
        line = (style(row["id"], bold=True) + f"  line {row['line']}  "
                + ", ".join(style(t, fg=_TYPE_COLOURS.get(t), bold=True) for t in types))
        if obligations:
            line += "  obligations: " + ", ".join(style(o, fg="red", bold=True) for o in dict.fromkeys(obligations))
        yield line
        yield "  " + style(_shorten(row["text"]), dim=True)
        for clause in row["clauses"]:
            detail = style(clause["type"], fg=_TYPE_COLOURS.get(clause["type"]))
            if clause["modality"]:
                detail += f" ({clause['modality']})"
            if clause["obligations"]:
                detail += "  obligations: " + ", ".join(clause["obligations"])
            yield "  " + detail
            width = max((len(rule) for rule, _text in clause["evidence"]), default=0)
            for rule, text in clause["evidence"]:
                yield f"    {style(rule.ljust(width), dim=True)}  " + style(f'"{text}"', fg="yellow")


@main.command("explain", short_help="Show why each provision got its types and obligations.")
@click.argument("path", metavar="PATH")
@click.option("--type", "only", multiple=True, metavar="TYPE",
              help="Show only provisions with this clause type (repeatable): defence, trade, legal, "
                   "information, political, social, procedural, unclassified.")
@click.option("--color/--no-color", "colour", default=None,
              help="Force colour on or off  [default: on for a terminal, off when piped or NO_COLOR is set]")
@_max_size_option
def explain_cmd(path: str, only: Sequence[str], colour: bool | None, max_size: int) -> None:
    """Show, per provision, its clause types, obligations and the words that decided them.

    Each provision is listed with its id and line, its types and ATOP
    obligations, then every clause with the rules that fired and the words
    they fired on.  PATH may also be a YAML/JSON export of 'treaty parse'.

    \b
    Examples:
      treaty explain examples/2024-russia-dprk-key-points-news.txt
      treaty explain --type defence examples/1949-north-atlantic-treaty.txt | less -R
    """
    from .models import CLAUSE_TYPES

    known = (*CLAUSE_TYPES, "unclassified")
    for name in only:
        if name not in known:
            raise click.BadParameter(f"{name!r} is not a clause type; choose from {', '.join(known)}",
                                     param_hint="--type")
    agreement = _read_agreement(path, max_size)
    use = _colour(colour)
    for line in explain_lines(agreement, path, only):
        click.echo(line, color=use)


# ---------------------------------------------------------------------------- compare

@main.command("compare", short_help="Compare agreements clause by clause.")
@click.argument("paths", nargs=-1, required=True, metavar="A B [C ...]")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "yaml", "json"]), default="text",
              show_default=True, help="Output format.")
@_output_option
@_max_size_option
def compare_cmd(paths: Sequence[str], fmt: str, output: str | None, max_size: int) -> None:
    """Compare agreements clause by clause: what each adds, drops or changes.

    Give two files for a pairwise comparison, or more for a table across all
    of them.  Files may be treaty texts or YAML/JSON exports of 'treaty parse'.

    \b
    Examples:
      treaty compare examples/1961-ussr-dprk-treaty.txt examples/2024-russia-dprk-kcna.txt
      treaty compare --format markdown examples/*.txt -o comparison.md
    """
    if len(paths) < 2:
        raise click.UsageError("compare needs at least two files")
    import importlib

    try:
        # import_module, not 'from . import compare': the package binds the name
        # treaty.compare to the function, which shadows the module.
        comparing = importlib.import_module(f"{__package__}.compare")
    except ModuleNotFoundError as err:
        if err.name != f"{__package__}.compare":
            raise
        raise TreatyError("'treaty compare' is not available: this installation has no treaty.compare module",
                          "treaty") from None
    agreements = [_read_agreement(p, max_size) for p in paths]
    if len(agreements) == 2:
        comparison = comparing.compare(agreements[0], agreements[1])
    else:
        comparison = comparing.compare_many(agreements, _names(paths))
    text = comparing.render(comparison, fmt)
    _emit(text if text.endswith("\n") else text + "\n", output)


def _names(paths: Sequence[str]) -> list[str] | None:
    """Names for table headings: file stems, else the paths as given, else (a file twice) compare's own."""
    for names in ([Path(p).stem for p in paths], list(paths)):
        if len(set(names)) == len(names):
            return names
    return None


# ---------------------------------------------------------------------------- corpus

def _corpus_files(folder: Path) -> list[Path]:
    """Texts under ``folder`` (recursively, hidden files and folders left out), in a stable order."""
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in CORPUS_SUFFIXES and path.is_file():
            found.append((rel.as_posix(), path))
    return [path for _rel, path in sorted(found)]


def _corpus_item(path: str, max_bytes: int, debug: bool = False) -> tuple[Any, str | None]:
    """Parse one corpus file: ``(agreement, None)`` or ``(None, one-line error)``; never raises an Exception."""
    from .api import load

    try:
        agreement = load(path, max_bytes=max_bytes)
    except TreatyError as err:
        return None, str(err)
    except Exception as err:  # a bug on one text must not end a run over thousands
        if debug:
            import traceback

            return None, f"{path}: internal error:\n{traceback.format_exc()}"
        return None, f"{path}: internal error: {type(err).__name__}: {err}"
    return agreement, None  # pickling leaves out the locator (see Agreement.__getstate__)


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.enable()  # the parent pauses its collector while receiving results; workers need theirs


class _Interrupts:
    """SIGINT handling for ``corpus``: Ctrl-C stops the run, but never in the middle of writing a record."""

    def __init__(self) -> None:
        self.critical = False
        self.pending = False
        self.shielded = False

    def handler(self, signum: int, frame: Any) -> None:
        if self.critical or self.shielded:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def protect(self) -> Iterator[None]:
        self.critical = True
        try:
            yield
        finally:
            self.critical = False
        if self.pending and not self.shielded:
            raise KeyboardInterrupt

    def shield(self) -> None:
        """From now on Ctrl-C is only noted: we are closing files."""
        self.shielded = True


@contextmanager
def _parsed(names: list[str], work: Any, jobs: int) -> Iterator[Iterator[tuple[Any, str | None]]]:
    """``work(name)`` for every name, in order, run by ``jobs`` worker processes (or in this one)."""
    if jobs == 1:
        yield map(work, names)
        return
    import multiprocessing

    from .api import parse

    parse("Article 1\n\nThe Parties shall consult.\n")  # build grammars and vocabularies once, before forking
    # fork shares them with the workers.  Only on Linux: macOS system libraries are not
    # fork-safe (Python defaults to spawn there), and Windows has no fork; there each
    # worker builds its own.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    workers: dict[Any, tuple[Any, list[int]]] = {}  # connection -> (process, indexes in flight)
    try:
        # Workers inherit 'ignore Ctrl-C' (the terminal sends it to the whole process
        # group) so that only this process decides what happens.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for _ in range(jobs):
                here, there = context.Pipe()
                process = context.Process(target=_worker_loop, args=(there, work), daemon=True)
                process.start()
                there.close()  # this process keeps only its end: the worker's death reads as EOF
                workers[here] = (process, [])
        finally:
            signal.signal(signal.SIGINT, previous)
        yield _pool_results(names, workers)
    finally:
        # Ctrl-C, a dead worker or an error: do not wait for the files being parsed now.
        for conn, (process, _busy) in workers.items():
            if process.is_alive():
                process.terminate()
            process.join()
            conn.close()


class _WorkerDied(Exception):
    """A worker process ended without answering (killed, or out of memory)."""

    def __init__(self, name: str | None) -> None:
        super().__init__(name)
        self.name = name


def _worker_loop(conn: Any, work: Any) -> None:
    _worker_init()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if task is None:
            return
        index, name = task
        conn.send((index, work(name)))


def _pool_results(names: list[str], workers: dict[Any, tuple[Any, list[int]]]) -> Iterator[tuple[Any, str | None]]:
    """The results of the ``workers`` on every name, in order.

    Each worker has a pipe of its own, rather than the shared queues of
    concurrent.futures: a worker killed while sending a result (the out-of-memory
    killer picks the busiest process) then only closes its own pipe, which reads as
    end-of-file here, where a shared queue is left half-written and locked, and the
    run hangs.
    """
    from multiprocessing.connection import wait

    window = 32 * len(workers)  # results held back for order, at most: a slow file must not fill memory
    done: dict[int, tuple[Any, str | None]] = {}
    sent = wanted = 0

    def feed(conn: Any) -> None:
        nonlocal sent
        busy = workers[conn][1]
        while len(busy) < 2 and sent < len(names) and sent < wanted + window:
            # two tasks each, so that no worker waits for this process between files
            busy.append(sent)
            try:
                conn.send((sent, names[sent]))
            except OSError:
                raise _WorkerDied(names[busy[0]]) from None
            sent += 1

    while wanted < len(names):
        for conn in workers:
            feed(conn)
        for conn in wait([conn for conn, (_process, busy) in workers.items() if busy]):
            busy = workers[conn][1]
            try:
                index, result = conn.recv()
            except (EOFError, OSError):
                raise _WorkerDied(names[busy[0]]) from None
            busy.remove(index)
            done[index] = result
        while wanted in done:
            yield done.pop(wanted)
            wanted += 1
    for conn in workers:
        conn.send(None)
    for process, _busy in workers.values():
        process.join()


@contextmanager
def _progress(total: int, failures: list[str]) -> Iterator[Any]:
    """A progress bar on standard error with counts and rate; hidden when that is not a terminal."""
    start = time.perf_counter()

    def show(done: Any) -> str | None:
        if done is None:
            return None
        rate = done / max(time.perf_counter() - start, 1e-9)
        return f"{rate:.1f} files/s" + (f", {len(failures)} failed" if failures else "")

    hidden = not sys.stderr.isatty()
    with click.progressbar(length=total, label="parsing", file=sys.stderr, show_pos=True, show_eta=True,
                           item_show_func=show, hidden=hidden) as bar:
        yield bar


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    # Unpickling agreements from workers allocates many small objects, which would set
    # off the cyclic garbage collector again and again (costing as much as the
    # unpickling); records are freed by reference counting, and we collect now and then.
    enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _CorpusRun:
    """The counts of one ``corpus`` run, kept up to date so that an interruption can report them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.done = 0
        self.written = 0
        self.failures: list[str] = []
        self.interrupted = False
        self.broken: str | None = None  # the file a worker died on

    def write(self, out: Path, fmt: str, work: Any, jobs: int) -> None:
        """Parse every file and write the good ones, in order.

        Ctrl-C ends the run with ``interrupted`` set; a worker process that dies (killed,
        out of memory) ends it with ``broken`` set.
        """
        from .export import open_writer

        guard = _Interrupts()
        previous = signal.signal(signal.SIGINT, guard.handler)
        try:
            writer = open_writer(out, fmt)  # first: an unwritable output fails before any work
            try:
                with (_gc_paused(jobs > 1), _parsed(self.names, work, jobs) as results,
                      _progress(len(self.names), self.failures) as bar):
                    for agreement, error in results:
                        self.done += 1
                        if error is None:
                            with guard.protect():
                                writer.write(agreement)
                                self.written += 1  # inside: a Ctrl-C during the write is raised on leaving
                        else:
                            self.failures.append(error)
                        bar.update(1, self.done)
                        if self.done % 256 == 0:
                            gc.collect()
            finally:
                guard.shield()  # a second Ctrl-C while closing would tear the last record
                writer.close()
        except KeyboardInterrupt:
            self.interrupted = True
        except _WorkerDied as died:
            self.broken = died.name
        finally:
            guard.shield()
            signal.signal(signal.SIGINT, previous)


def _writer_files(output: Path, fmt: str) -> str:
    if fmt == "csv":
        return f"{output} and {output.with_name(output.stem + '.agreements.csv')}"
    return str(output)


@main.command("corpus", short_help="Parse a folder of texts into one CSV, JSON Lines or YAML export.")
@click.argument("folder", metavar="DIR")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The export: .csv (clauses; agreements go to <stem>.agreements.csv), .jsonl, .json or .yaml.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0: one per CPU).  The output is the same for any number.")
@_max_size_option
def corpus_cmd(folder: str, output: str, jobs: int, max_size: int) -> None:
    """Parse a folder of .txt, .md and .html texts (and its sub-folders) into one export.

    A file that cannot be read or parsed is reported at the end and left out;
    it never stops the run (the exit status is then 1).  Files are written in
    the order of their paths, so the export is byte-identical for any --jobs.
    Ctrl-C stops the run and keeps the complete records already written
    (exit status 130).

    \b
    Examples:
      treaty corpus ../shared/corpus/nl-treaties -o nl.csv --jobs 4
      treaty corpus my-texts/ -o clauses.jsonl
    """
    out = Path(output)
    fmt = EXPORT_SUFFIXES.get(out.suffix.lower())
    if fmt is None:
        raise click.BadParameter(f"{output!r}: use a .csv, .jsonl, .json or .yaml file name", param_hint="-o")
    root = Path(folder)
    if not root.exists():
        raise InputError("no such directory", folder)
    if not root.is_dir():
        raise InputError("is a file, not a directory (use 'treaty parse FILE' for single files)", folder)
    paths = _corpus_files(root)
    if not paths:
        raise InputError(f"no {', '.join(CORPUS_SUFFIXES)} files in this directory", folder)
    jobs = min(jobs or os.cpu_count() or 1, len(paths))

    from functools import partial

    run = _CorpusRun([str(p) for p in paths])
    start = time.perf_counter()
    run.write(out, fmt, partial(_corpus_item, max_bytes=max_size, debug=_debug()), jobs)
    seconds = time.perf_counter() - start
    total = len(run.names)
    files = _writer_files(out, fmt)
    if run.interrupted or run.broken:
        why = "interrupted" if run.interrupted else f"a worker process died (killed, or out of memory?) on {run.broken}"
        _fail(f"{folder}: {why} after {run.done} of {total} files; "
              f"kept the {run.written} complete records already written to {files}")
        click.get_current_context().exit(EXIT_INTERRUPTED if run.interrupted else EXIT_BAD_INPUT)
    for failure in run.failures:
        _fail(failure)
    summary = (f"treaty corpus: {run.written} of {total} files written to {files} in {seconds:.1f} s "
               f"({total / seconds:.1f} files/s, {jobs} job{'s' if jobs > 1 else ''})")
    if run.failures:
        summary += f"; {len(run.failures)} failed (listed above)"
    _fail(summary)
    if run.failures:
        click.get_current_context().exit(EXIT_BAD_INPUT)


# ---------------------------------------------------------------------------- schema

@main.command("schema", short_help="Print the JSON Schema of the export.")
@_output_option
def schema_cmd(output: str | None) -> None:
    """Print the JSON Schema of the export (what 'treaty parse --format json' writes).

    \b
    Examples:
      treaty schema -o treaty.schema.json
      treaty schema | jq '.properties | keys'
    """
    import json

    from .export import json_schema

    _emit(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", output)


# ---------------------------------------------------------------------------- evaluate

def _default_gold() -> Path:
    """``examples/gold`` here, else the one of the source checkout this module was installed from."""
    here = Path("examples") / "gold"
    if here.is_dir():
        return here
    checkout = Path(__file__).resolve().parent.parent / "examples" / "gold"
    return checkout if checkout.is_dir() else here


def _default_texts(gold: Path) -> list[Path]:
    """Where the labelled texts usually live beside a gold folder (examples/, or shared/corpus/hand and seeds)."""
    base = gold.parent
    return [d for d in (base, base / "corpus" / "hand", base / "seeds") if d.is_dir()]


@main.command("evaluate", short_help="Measure the classifier against gold label files.")
@click.argument("gold_dir", metavar="[GOLD_DIR]", required=False)
@click.option("--texts", multiple=True, metavar="DIR",
              help="Folder with the labelled texts (repeatable)  "
                   "[default: the gold folder's parent and its corpus/hand and seeds]")
@click.option("-v", "--verbose", is_flag=True, help="List every provision the classifier got wrong.")
@_max_size_option
def evaluate_cmd(gold_dir: str | None, texts: Sequence[str], verbose: bool, max_size: int) -> None:
    """Measure the classifier against gold label files: precision and recall per clause type.

    GOLD_DIR holds YAML gold files (default: examples/gold, with the texts in
    examples/).

    \b
    Examples:
      treaty evaluate
      treaty evaluate ../shared/gold --texts ../shared/corpus/hand --texts ../shared/seeds -v
    """
    from .api import load
    from .evaluate import evaluate_dir, format_report

    gold = Path(gold_dir) if gold_dir else _default_gold()
    if not gold.is_dir():
        raise InputError("no such directory" if not gold.exists() else "is a file, not a directory", str(gold))
    if not any(gold.glob("*.yaml")):
        raise InputError("no gold files (*.yaml) in this directory", str(gold))
    for folder in texts:
        if not Path(folder).is_dir():
            raise InputError("no such directory", folder)
    search = [Path(t) for t in texts] if texts else _default_texts(gold)
    results = evaluate_dir(gold, search, lambda path: load(path, max_bytes=max_size))
    click.echo(format_report(results, verbose), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
