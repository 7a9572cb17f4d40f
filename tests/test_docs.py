"""Every code block in README.md and docs/ runs, so the documentation cannot drift from the code.

Which blocks run (the rules live in docs/docgen/blocks.py, shared with the docs build):

* fenced ``python`` blocks: a file's blocks run in order in one namespace, like
  notebook cells;
* fenced ``sh``/``bash``/``console`` blocks whose first command starts with
  ``treaty ``: run by bash with the installed ``treaty`` entry point on PATH.

A block preceded by ``<!-- norun -->`` is not run (for install commands CI runs
itself); one preceded by ``<!-- requires: MODULE -->`` runs only where MODULE
imports.  Blocks run in a scratch folder that mirrors the repository root
(symbolic links), so ``examples/...`` resolves and written files stay out of
the repository.  No network is needed.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))

from docgen.blocks import Block, blocks, directives, make_workdir, missing_modules  # noqa: E402

DOC_FILES = [ROOT / "README.md"] + sorted(p for p in DOCS.rglob("*.md") if "docgen" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _entry_point() -> str | None:
    here = Path(sys.executable).parent / "treaty"
    return str(here) if here.exists() else shutil.which("treaty")


def _shell_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(_entry_point() or sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


def _describe(path: Path, block: Block) -> str:
    return f"{_rel(path)}:{block.line} ({block.lang} block)\n{block.code}"


def _run_python(block: Block, namespace: dict[str, object], where: str) -> None:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(block.code, where, "exec"), namespace)  # noqa: S102 - the project's own docs
    except Exception:
        pytest.fail(f"{where}: python block failed\n{block.code}\n{traceback.format_exc()}\noutput:\n{out.getvalue()}")


def _run_shell(block: Block, where: str) -> None:
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.script()], capture_output=True, text=True,
                          env=_shell_env(), timeout=300, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        pytest.fail(f"{where}: shell block exited with {proc.returncode}\n{block.script()}\n"
                    f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}")


RUNNABLE = [p for p in DOC_FILES if any(b.kind for b in blocks(p.read_text(encoding="utf-8")))]


@pytest.mark.parametrize("path", RUNNABLE, ids=_rel)
def test_code_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = [b for b in blocks(path.read_text(encoding="utf-8")) if b.kind]
    if any(b.kind == "shell" for b in found) and _entry_point() is None:
        pytest.skip("the treaty entry point is not installed")
    workdir = make_workdir(ROOT, tmp_path / "repo")
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {"__name__": "__main__"}
    ran = 0
    for block in found:
        if missing_modules(block):
            continue
        where = f"{_rel(path)}:{block.line}"
        if block.kind == "python":
            _run_python(block, namespace, where)
        else:
            _run_shell(block, where)
        ran += 1
    if not ran:
        pytest.skip(f"every runnable block of {_rel(path)} needs a module that is not installed")


def test_readme_and_docs_have_runnable_blocks() -> None:
    assert ROOT / "README.md" in RUNNABLE
    assert DOCS / "tutorial.md" in RUNNABLE


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_directives_are_well_formed(path: Path) -> None:
    """``<!-- output -->`` follows a block that runs; ``<!-- gen: NAME -->`` names a generator."""
    from docgen.generators import GENERATORS

    text = path.read_text(encoding="utf-8")
    for block in blocks(text):
        if block.output is not None:
            assert block.kind is not None, (
                f"{_rel(path)}:{block.line}: an <!-- output --> marker follows a block that never runs "
                f"(norun, or a shell block not starting with 'treaty'):\n{_describe(path, block)}")
    for directive in directives(text, "gen"):
        assert directive.args and directive.args[0] in GENERATORS, (
            f"{_rel(path)}:{directive.line + 1}: unknown generator {directive.args[:1]}; "
            f"known: {', '.join(sorted(GENERATORS))}")


def test_block_rules() -> None:
    """The conventions themselves, on a small document."""
    text = """
```sh
treaty parse x.txt   # runs
```
<!-- output head=3 -->

<!-- norun -->
```sh
treaty parse y.txt
```

```sh
pip install treaty
```

```console
$ treaty explain z.txt
z.txt: 1 provisions
```

<!-- requires: a_module_that_does_not_exist -->
```python
import a_module_that_does_not_exist
```
"""
    found = blocks(text)
    assert [b.kind for b in found] == ["shell", None, None, "shell", "python"]
    assert found[0].output is not None and found[0].output.options == {"head": "3"}
    assert found[0].commands() == ["treaty parse x.txt   # runs"]
    assert found[3].commands() == ["treaty explain z.txt"]
    assert missing_modules(found[4]) == ["a_module_that_does_not_exist"]
