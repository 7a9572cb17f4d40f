"""Run a page's code blocks at build time and capture what they print.

``treaty`` commands run in this process through click's test runner (the
command-line code itself, without a process start per command); anything
else in a shell block, and commands with pipes or redirections, run through
``bash`` with the installed entry point on ``PATH``.  Python blocks of one
page share a namespace, in order.  Everything runs in a scratch folder that
mirrors the repository (:func:`docgen.blocks.make_workdir`).
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import shlex
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Iterator

from .blocks import Block, make_workdir, missing_modules

_SHELL_SYNTAX = {"|", "||", "&&", ";", "<", ">", ">>", "2>", "2>&1", "&"}


class DocsError(Exception):
    """A documented command or code block failed: the docs would show something untrue."""


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def shell_env() -> dict[str, str]:
    """The environment for shell blocks: the entry points of this Python first on PATH, no colour."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


class PageRunner:
    """Runs the blocks of one page, in order, in one scratch folder."""

    def __init__(self, root: Path, page: str) -> None:
        self.root = root
        self.page = page
        self._tmp = tempfile.TemporaryDirectory(prefix="treaty-docs-")
        self.cwd = make_workdir(root, Path(self._tmp.name))
        self.namespace: dict[str, object] = {"__name__": "__main__"}

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> "PageRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, block: Block) -> str | None:
        """Run one block; its output, or None when the block is not run here."""
        kind = block.kind
        if kind is None or missing_modules(block):
            return None
        where = f"{self.page}:{block.line}"
        with _cwd(self.cwd):
            if kind == "python":
                return self._python(block, where)
            return "".join(self._command(line, where) for line in block.commands())

    def _python(self, block: Block, where: str) -> str:
        out = io.StringIO()
        try:
            code = compile(block.code, where, "exec")
            with contextlib.redirect_stdout(out):
                exec(code, self.namespace)  # noqa: S102 - our own documentation
        except Exception:
            raise DocsError(f"{where}: python block failed:\n{block.code}\n{traceback.format_exc()}") from None
        return out.getvalue()

    def _command(self, line: str, where: str) -> str:
        words = shlex.split(line, comments=True)
        if not words:
            return ""
        if words[0] == "treaty" and not _SHELL_SYNTAX & set(words) and "$" not in line:
            return self._treaty(words[1:], line, where)
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True,
                              env=shell_env(), timeout=300)
        if proc.returncode != 0:
            raise DocsError(f"{where}: `{line}` exited with {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc.stdout + proc.stderr

    def _treaty(self, args: list[str], line: str, where: str) -> str:
        from click.testing import CliRunner

        from treaty.cli import main

        expanded: list[str] = []
        for arg in args:
            matches = sorted(glob.glob(arg)) if any(c in arg for c in "*?[") else []
            expanded += matches or [arg]
        result = CliRunner().invoke(main, expanded, prog_name="treaty", color=False,
                                    env={"NO_COLOR": "1", "COLUMNS": "100"})
        if result.exit_code != 0:
            detail = ""
            if result.exc_info and not isinstance(result.exception, SystemExit):
                detail = "".join(traceback.format_exception(*result.exc_info))
            raise DocsError(f"{where}: `{line}` exited with {result.exit_code}:\n{result.output}{detail}")
        return result.output
