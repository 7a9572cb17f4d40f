"""mkdocs hooks (named in mkdocs.yml): expand the docs' directives at build time.

* ``on_config``: a fresh :class:`~docgen.generators.Context` per build.
* ``on_files``: the plots (SVG), the JSON Schema file at the path of its ``$id``,
  and, while ``docs/reference/formats.md`` does not exist, a generated stand-in.
* ``on_page_markdown``: run the page's code blocks (outputs replace
  ``<!-- output -->``) and replace every ``<!-- gen: ... -->``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))

from docgen import blocks as _blocks  # noqa: E402
from docgen import generators as _gen  # noqa: E402
from docgen.runner import DocsError, PageRunner  # noqa: E402

log = logging.getLogger("mkdocs.plugins.treaty-docs")

_ctx: _gen.Context | None = None


def on_config(config: Any) -> Any:
    global _ctx
    _ctx = _gen.Context(ROOT)
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    from docgen import plots

    assert _ctx is not None
    start = time.perf_counter()
    files.append(File.generated(config, "img/profile-matrix.svg", content=plots.profile_matrix(_ctx.corpus())))
    names, matrix, _how = _ctx.similarity()
    files.append(File.generated(config, "img/similarity.svg", content=plots.similarity_heatmap(names, matrix)))
    schema = _gen.json_schema()
    files.append(File.generated(config, _gen.schema_path(schema),
                                content=json.dumps(schema, indent=2, ensure_ascii=False) + "\n"))
    if files.get_file_from_path("reference/formats.md") is None:
        files.append(File.generated(config, "reference/formats.md", content=_formats_stand_in()))
    log.info("treaty docs: plots and schema generated in %.1f s", time.perf_counter() - start)
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    start = time.perf_counter()
    text = expand(markdown, page.file.src_uri)
    log.debug("treaty docs: %s expanded in %.2f s", page.file.src_uri, time.perf_counter() - start)
    return text


def expand(markdown: str, page: str) -> str:
    """The page's markdown with its code outputs and generated sections filled in."""
    assert _ctx is not None
    lines = markdown.split("\n")
    replace: dict[int, str] = {}
    found = _blocks.blocks(markdown)
    if any(b.kind for b in found):
        with PageRunner(ROOT, page) as runner:
            for block in found:
                output = runner.run(block)
                if block.output is not None:
                    missing = _blocks.missing_modules(block) if block.kind else []
                    if output is None and missing:
                        replace[block.output.line] = _indented(
                            f"*(Output not shown: {', '.join(missing)} was not installed where these pages "
                            "were built.)*", block.indent)
                        continue
                    if output is None:
                        raise DocsError(f"{page}:{block.line}: an <!-- output --> marker follows a block that "
                                        "is not run here (norun, a missing requirement, or not a treaty command)")
                    replace[block.output.line] = _indented(render_output(output, block.output, page), block.indent)
    for d in _blocks.directives(markdown, "gen"):
        if not d.args:
            raise DocsError(f"{page}:{d.line + 1}: <!-- gen: --> without a generator name")
        name, *args = d.args
        fn = _gen.GENERATORS.get(name)
        if fn is None:
            raise DocsError(f"{page}:{d.line + 1}: no generator {name!r}; known: {', '.join(sorted(_gen.GENERATORS))}")
        indent = re.match(r"[ \t]*", lines[d.line]).group()
        try:
            replace[d.line] = _indented(fn(_ctx, page, *args, **d.options), indent)
        except DocsError:
            raise
        except Exception as err:
            raise DocsError(f"{page}:{d.line + 1}: generator {name!r} failed: {type(err).__name__}: {err}") from err
    return "\n".join(replace.get(i, line) for i, line in enumerate(lines))


def _indented(text: str, indent: str) -> str:
    if not indent:
        return text
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def render_output(text: str, directive: _blocks.Directive, page: str) -> str:
    """What a block printed, cut and formatted as its ``<!-- output ... -->`` marker asks."""
    opts = directive.options
    lines = text.rstrip("\n").split("\n")
    if "start" in opts:
        hits = [i for i, line in enumerate(lines) if re.search(opts["start"], line)]
        if not hits:
            raise DocsError(f"{page}:{directive.line + 1}: output has no line matching start={opts['start']!r}")
        lines = lines[hits[0]:]
    if "stop" in opts:
        hits = [i for i, line in enumerate(lines) if i and re.search(opts["stop"], line)]
        if hits:
            lines = lines[:hits[0]]
    if opts.get("format") == "markdown":
        return _markdown_output("\n".join(lines), opts.get("sections"), int(opts.get("shift", "2")))
    if "head" in opts and len(lines) > int(opts["head"]):
        n = int(opts["head"])
        lines = lines[:n] + [f"… ({len(lines) - n} more lines)"]
    while lines and not lines[-1].strip():
        lines.pop()
    return _gen.fence("\n".join(lines), opts.get("lang", "text"), title=opts.get("title", "output"))


def _markdown_output(md: str, sections: str | None, shift: int) -> str:
    if sections:
        keep: list[str] = []
        on = False
        for line in md.split("\n"):
            m = re.match(r"^(#{1,2}) (.*)", line)
            if m:
                on = len(m.group(1)) == 2 and re.search(sections, m.group(2)) is not None
            if on:
                keep.append(line)
        md = "\n".join(keep)
    return re.sub(r"^(#{1,5}) ", lambda m: "#" * min(6, len(m.group(1)) + shift) + " ", md, flags=re.M).strip()


def _formats_stand_in() -> str:
    """Used only while docs/reference/formats.md has not been written."""
    from treaty import export

    doc = (export.__doc__ or "").split("\n", 1)[1].strip()
    doc = re.sub(r"\s*\(documented column by column in ``docs/reference/formats.md``\)", "", doc)
    columns = _gen.csv_columns(_ctx, "reference/formats.md")  # type: ignore[arg-type]
    return (f"# Export formats\n\n{doc}\n\n## CSV columns\n\n{columns}\n\n"
            "The JSON and YAML shape is described by the [JSON Schema](schema.md).\n")
