"""The ``treaty`` command line."""

from __future__ import annotations

import sys
from typing import Sequence

import click

from . import __version__
from .errors import TreatyError
from .source import DEFAULT_MAX_BYTES

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


def _fail(err: TreatyError) -> None:
    click.echo(str(err), err=True)


class _Group(click.Group):
    """Turns our own errors into one-line messages; ``--debug`` shows the traceback."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except TreatyError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(err)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="treaty")
@click.option("--debug", is_flag=True, help="Show Python tracebacks (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Read the text of an international agreement into typed, comparable clauses.

    \b
    Examples:
      treaty parse examples/1949-north-atlantic-treaty.txt
      treaty parse --format json - < treaty.txt
    """
    ctx.obj = {"debug": debug}


def _load(path: str, max_size: int):  # noqa: ANN202
    from .api import load

    if path == "-":
        return load(sys.stdin.buffer, max_bytes=max_size)
    return load(path, max_bytes=max_size)


@main.command("parse")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
@click.option("--max-size", type=int, default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse inputs larger than this many bytes.")
@click.option("--quiet", "-q", is_flag=True, help="Do not print diagnostics on standard error.")
def parse_cmd(paths: Sequence[str], fmt: str, output: str | None, max_size: int, quiet: bool) -> None:
    """Parse agreement texts into a document tree (YAML by default).

    PATH is a text, markdown or web copy of an agreement; '-' reads standard input.

    \b
    Example:
      treaty parse examples/1961-ussr-dprk-treaty.txt -o ussr-dprk.yaml
    """
    from .export import to_json, to_yaml

    agreements = []
    for path in paths:
        agreement = _load(path, max_size)
        if not quiet:
            for diag in agreement.diagnostics:
                click.echo(diag.format(path), err=True)
        agreements.append(agreement)
    if fmt == "json":
        text = "\n".join(to_json(a) for a in agreements) + "\n"
    else:
        text = to_yaml(agreements[0] if len(agreements) == 1 else agreements)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
