"""Fenced code blocks and directive comments in markdown, shared by the docs hook and tests/test_docs.py.

Which blocks are run (by the docs build and by the test suite):

* fenced ``python`` (or ``py``) blocks: all of a file's blocks run in order in one
  namespace, like the cells of a notebook;
* fenced ``sh``/``bash``/``shell`` blocks whose first command starts with ``treaty ``,
  and ``console`` blocks whose first ``$ `` line does (only the ``$`` lines run);

unless the block is preceded by ``<!-- norun -->``, or by ``<!-- requires: MODULE -->``
naming a module that is not installed.  Blocks run in a scratch folder that mirrors
the repository root (symbolic links to its files), so relative paths such as
``examples/...`` work and files the blocks write never land in the repository.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

__all__ = ["Block", "Directive", "blocks", "directives", "make_workdir", "missing_modules", "READER_FILES"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
_DIRECTIVE = re.compile(r"^[ \t]*<!--[ \t]*(?P<name>gen|output|norun|requires)\b:?(?P<args>.*?)-->[ \t]*$")

PYTHON_LANGS = ("python", "py")
SHELL_LANGS = ("sh", "bash", "shell", "console")

#: Files the docs and README name as "your own" text, made in every scratch folder
#: (name -> example copied there), so that commands such as ``cat treaty.txt | treaty parse -`` run.
READER_FILES = {"treaty.txt": "examples/1949-north-atlantic-treaty.txt"}


@dataclass
class Directive:
    """One ``<!-- name args -->`` comment on a line of its own."""

    name: str
    args: list[str]
    options: dict[str, str]
    line: int  # 0-based line index in the source

    @classmethod
    def parse(cls, name: str, args: str, line: int) -> "Directive":
        words = shlex.split(args.strip()) if args.strip() else []
        options = {}
        for word in words:
            if "=" in word:
                key, _, value = word.partition("=")
                options[key] = value
        return cls(name, [w for w in words if "=" not in w], options, line)


@dataclass
class Block:
    """A fenced code block and the directives attached to it."""

    lang: str
    info: str
    code: str
    start: int  # 0-based index of the opening fence line
    end: int  # 0-based index of the closing fence line
    indent: str = ""
    norun: bool = False
    requires: list[str] = field(default_factory=list)
    output: Optional[Directive] = None

    @property
    def line(self) -> int:
        """1-based line number of the opening fence."""
        return self.start + 1

    @property
    def kind(self) -> Optional[str]:
        """``"python"``, ``"shell"`` (a ``treaty`` command block) or None (not run)."""
        if self.norun:
            return None
        if self.lang in PYTHON_LANGS:
            return "python"
        if self.lang in SHELL_LANGS:
            commands = self.commands()
            if commands and (commands[0] == "treaty" or commands[0].startswith("treaty ")):
                return "shell"
        return None

    def commands(self) -> list[str]:
        """The command lines of a shell block: comment-only and blank lines left out,
        backslash continuations joined; for ``console`` blocks only the ``$ `` lines."""
        lines = self.code.splitlines()
        if self.lang == "console":
            lines = [ln[2:] for ln in lines if ln.startswith("$ ")]
        out: list[str] = []
        pending = ""
        for raw in lines:
            line = pending + raw
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1] + " "
                continue
            pending = ""
            if line.strip() and not line.lstrip().startswith("#"):
                out.append(line.strip())
        if pending.strip():
            out.append(pending.strip())
        return out

    def script(self) -> str:
        """What a shell runs for this block."""
        return "\n".join(self.commands()) + "\n"


def _lines(text: str) -> list[str]:
    return text.split("\n")


def directives(text: str, name: str = "gen") -> list[Directive]:
    """The ``<!-- name ... -->`` directives of a markdown text, outside fenced blocks."""
    found = []
    fence: Optional[str] = None
    for index, line in enumerate(_lines(text)):
        m = _FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group("fence")
            elif m.group("fence").startswith(fence[0]) and len(m.group("fence")) >= len(fence) and not m.group("info"):
                fence = None
            continue
        if fence is None:
            d = _DIRECTIVE.match(line)
            if d and d.group("name") == name:
                found.append(Directive.parse(name, d.group("args"), index))
    return found


def blocks(text: str) -> list[Block]:
    """Every fenced code block of a markdown text (top level or indented), in order,
    with its ``norun`` / ``requires`` / ``output`` directives."""
    lines = _lines(text)
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info")
        j = i + 1
        while j < len(lines):
            c = _FENCE.match(lines[j])
            if (c and c.group("fence")[0] == fence[0] and len(c.group("fence")) >= len(fence)
                    and not c.group("info") and len(c.group("indent")) <= len(indent) + 3):
                break
            j += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        lang = info.split()[0].lower() if info.split() else ""
        lang = lang.lstrip("{.").rstrip("}")
        block = Block(lang=lang, info=info, code="\n".join(body) + ("\n" if body else ""), start=i,
                      end=j, indent=indent)
        # Directives on the non-blank lines just before the block.
        k = i - 1
        while k >= 0 and (not lines[k].strip() or _DIRECTIVE.match(lines[k])):
            d = _DIRECTIVE.match(lines[k])
            if d and d.group("name") == "norun":
                block.norun = True
            elif d and d.group("name") == "requires":
                block.requires += d.group("args").replace(",", " ").split()
            elif d:
                break  # a gen/output directive belongs to something else
            k -= 1
        # An output directive on the first non-blank line after it.
        k = j + 1
        while k < len(lines) and not lines[k].strip():
            k += 1
        if k < len(lines):
            d = _DIRECTIVE.match(lines[k])
            if d and d.group("name") == "output":
                block.output = Directive.parse("output", d.group("args"), k)
        found.append(block)
        i = j + 1
    return found


def missing_modules(block: Block) -> list[str]:
    """The modules a ``<!-- requires: ... -->`` block needs that cannot be imported here."""
    return [name for name in block.requires if importlib.util.find_spec(name) is None]


def make_workdir(root: Path, dest: Path) -> Path:
    """Fill ``dest`` with symbolic links to the top-level entries of the repository ``root``
    (not hidden ones, not a built ``site/``) and the :data:`READER_FILES`; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in ("site", "__pycache__"):
            continue
        link = dest / entry.name
        if not link.exists():
            link.symlink_to(entry, target_is_directory=entry.is_dir())
    for name, example in READER_FILES.items():
        if not (dest / name).exists():
            shutil.copyfile(root / example, dest / name)
    return dest
