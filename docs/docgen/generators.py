"""Generators for ``<!-- gen: NAME ... -->`` directives: markdown made from the code,
the grammar and vocabulary files and the example texts, at build time.

Each generator is ``fn(ctx, page, *args, **options) -> markdown``; ``page`` is the
page's path inside ``docs/`` (for relative links).  Register new ones with
:func:`generator`.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import re
import time
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

GENERATORS: dict[str, Callable[..., str]] = {}

OBLIGATIONS = ("defence", "offence", "neutrality", "non_aggression", "consultation")
#: ATOP's own column names for the five obligations.
ATOP_COLUMNS = {"defence": "defense", "offence": "offense", "neutrality": "neutral",
                "non_aggression": "nonagg", "consultation": "consul"}


def generator(name: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    def register(fn: Callable[..., str]) -> Callable[..., str]:
        GENERATORS[name] = fn
        return fn
    return register


class Context:
    """What the generators share during one build: paths and the parsed example corpus."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._agreements: dict[str, Any] = {}
        self._similarity: Optional[tuple[list[str], list[list[float]], str]] = None

    # ------------------------------------------------------------------ corpus
    def example_paths(self) -> list[str]:
        """The example texts (as the tests define them), relative to the repository root."""
        folder = self.root / "examples"
        return sorted(f"examples/{p.name}" for p in folder.iterdir()
                      if p.suffix in (".txt", ".md") and p.name != "SOURCES.md")

    def agreement(self, rel: str) -> Any:
        if rel not in self._agreements:
            import treaty
            from .runner import _cwd

            with _cwd(self.root):
                self._agreements[rel] = treaty.load(rel)
        return self._agreements[rel]

    def corpus(self) -> list[tuple[str, Any]]:
        return [(Path(rel).stem, self.agreement(rel)) for rel in self.example_paths()]

    def similarity(self) -> tuple[list[str], list[list[float]], str]:
        """Names, the all-pairs similarity matrix of the example corpus, and how it was computed."""
        if self._similarity is None:
            names = [n for n, _ in self.corpus()]
            agreements = [a for _, a in self.corpus()]
            try:
                from treaty.compare import compare_many
            except ImportError:
                matrix = [[_jaccard(_grams(a), _grams(b)) for b in agreements] for a in agreements]
                how = "computed by the docs generator (treaty.compare is not available)"
            else:
                matrix = [list(map(float, row)) for row in compare_many(agreements, names).similarity]
                how = "treaty.compare.compare_many"
            self._similarity = (names, matrix, how)
        return self._similarity


def _grams(agreement: Any, size: int = 5) -> set[str]:
    text = " ".join(n.full_text() for n in agreement.provisions()) or " ".join(
        n.text for n in agreement.walk() if n.kind != "signature")
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return {text[i:i + size] for i in range(max(1, len(text) - size + 1))}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def relative(page: str, target: str) -> str:
    """Link from the page ``page`` (path in docs/) to ``target`` (path in docs/)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _cell(value: Any) -> str:
    """A table cell: one line; pipes escaped (inside code spans as HTML, where markdown escapes do not work)."""
    import html

    text = str(value).replace("\n", " ")

    def code(m: re.Match[str]) -> str:
        if "|" not in m.group(2):
            return m.group()
        # Markdown still reads inside inline HTML: every special character becomes an entity.
        inner = html.escape(m.group(2).strip(), quote=False)
        return "<code>" + "".join(f"&#{ord(c)};" if c in "|[]*_\\`#<>!{}" else c for c in inner) + "</code>"

    text = _CODE_SPAN.sub(code, text)
    return text.replace("|", "\\|")


def esc(text: str) -> str:
    """Plain text for markdown outside code spans: entities and tags shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("*", "\\*").replace("_", "\\_")


def table(headers: list[str], rows: list[list[Any]], align: Optional[str] = None) -> str:
    """A markdown table; ``align`` is one letter per column (l, c, r)."""
    marks = {"l": ":---", "c": ":---:", "r": "---:"}
    sep = [marks[a] for a in align] if align else ["---"] * len(headers)
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def fence(text: str, lang: str = "text", title: Optional[str] = None) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    head = ticks + lang + (f' title="{title}"' if title else "")
    return f"{head}\n{text.rstrip()}\n{ticks}"


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def header_comment(path: Path) -> str:
    """The comment block at the top of a data file, as markdown: prose paragraphs, and
    indented comment lines (examples, tables) as a code block."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped.startswith(("#", "//")):
            break
        lines.append(re.sub(r"^(#|//) ?", "", stripped))
    return comment_markdown(lines)


def comment_markdown(lines: list[str]) -> str:
    out: list[str] = []
    pre: list[str] = []
    para: list[str] = []

    def flush_para() -> None:
        if para:
            out.append(" ".join(para))
            out.append("")
            para.clear()

    def flush_pre() -> None:
        if pre:
            out.append(fence("\n".join(pre)))
            out.append("")
            pre.clear()

    for line in lines:
        if line.startswith("  ") or (pre and line.strip() and line.startswith(" ")):
            flush_para()
            pre.append(line)
        elif not line.strip():
            flush_para()
            flush_pre()
        else:
            flush_pre()
            para.append(line.strip())
    flush_para()
    flush_pre()
    return "\n".join(out).strip()


# ============================================================================ home

@generator("readme-quickstart")
def readme_quickstart(ctx: Context, page: str) -> str:
    """The README's opening: its first fenced blocks and the paragraph that explains them."""
    text = (ctx.root / "README.md").read_text(encoding="utf-8")
    top = re.split(r"^## ", text, maxsplit=1, flags=re.M)[0]
    top = re.sub(r"^# .*\n", "", top)  # the title
    top = re.sub(r"^[ \t]*<!--.*?-->[ \t]*\n", "", top, flags=re.M)  # directives such as norun
    paragraphs = top.strip().split("\n\n")
    # The blocks and the first paragraph after them: what the two commands do.
    keep = []
    seen_prose = False
    for para in paragraphs:
        if para.lstrip().startswith("```"):
            keep.append(para)
        elif keep and not seen_prose:
            keep.append(para)
            seen_prose = True
    return "\n\n".join(keep)


def _words(values: list[str]) -> str:
    shown = [{"true": "yes", "false": "no"}.get(v, v) for v in values]
    return ", ".join(shown) or "–"


def _side(ctx: Context, rel: str) -> str:
    a = ctx.agreement(rel)
    bits = [", ".join(a.party_codes)]
    if a.signed:
        bits.append(str(a.signed.year))
    return f"`{Path(rel).stem}`<br>{' · '.join(b for b in bits if b)}"


@generator("pair-summary")
def pair_summary(ctx: Context, page: str, a: str, b: str) -> str:
    """The ATOP obligations and clause coverage of two agreements side by side, from treaty.compare."""
    from treaty.compare import compare

    A, B = ctx.agreement(a), ctx.agreement(b)
    c = compare(A, B)
    rows = []
    for o in c.profile.obligations:
        left = ("✔ " + ", ".join(o.provisions_a)) if o.a else "–"
        right = ("✔ " + ", ".join(o.provisions_b)) if o.b else "–"
        rows.append([f"**{o.obligation}**", left, right])
    for count in c.coverage.types:
        rows.append([f"{count.type} clauses", count.a, count.b])
    out = [table(["", _side(ctx, a), _side(ctx, b)], rows, "lcc"), ""]
    defence = c.profile.get("defence")
    if defence.a and defence.b:
        terms = [t for t in defence.attributes if t.attribute not in ("modality", "bound")]
        same = [t for t in terms if t.same and t.a]
        differ = [t for t in defence.attributes if not t.same]
        if same:
            out.append("Both promise armed help on the same terms: "
                       + "; ".join(f"{t.attribute} **{_words(t.a)}**" for t in same) + ".")
        if differ:
            out.append("They differ in " + "; ".join(
                f"{t.attribute} ({_words(t.a)} → {_words(t.b)})" for t in differ) + ".")
        out.append("")
    for side, names, agreement, label in (("b", c.profile.only_b, B, Path(b).stem),
                                          ("a", c.profile.only_a, A, Path(a).stem)):
        for name in names:
            row = c.profile.get(name)
            ids = row.provisions_b if side == "b" else row.provisions_a
            for pid in ids[:1]:
                node = agreement.find(pid)
                if node is not None:
                    out.append(f"- Only in `{label}`: **{name}**, {pid}: “{_short(node.full_text(), 160)}”")
    out.append("")
    out.append(f"Text similarity (Jaccard index of character 5-grams): **{c.similarity:.3f}**.")
    return "\n".join(out)


# ============================================================================ CLI

def _command_help(cmd: Any, ctx: Any) -> str:
    return cmd.get_help(ctx)


@generator("cli")
def cli(ctx: Context, page: str) -> str:
    """The help of ``treaty`` and of every sub-command (recursively), from click itself."""
    import click

    from treaty.cli import main

    width = 90
    root_ctx = click.Context(main, info_name="treaty", terminal_width=width, max_content_width=width)
    out: list[str] = []
    summary: list[list[str]] = []
    sections: list[str] = []

    def walk(group: Any, gctx: Any, prefix: str) -> None:
        for name in group.list_commands(gctx):
            cmd = group.get_command(gctx, name)
            if cmd is None or getattr(cmd, "hidden", False):
                continue
            full = f"{prefix} {name}"
            sub = click.Context(cmd, info_name=name, parent=gctx, terminal_width=width, max_content_width=width)
            anchor = full.replace(" ", "-")
            summary.append([f"[`{full}`](#{anchor})", cmd.get_short_help_str(limit=120)])
            sections.extend([f"## {full} {{#{anchor}}}", "", fence(_command_help(cmd, sub)), ""])
            if isinstance(cmd, click.Group):
                walk(cmd, sub, full)

    walk(main, root_ctx, "treaty")
    out += [table(["command", "what it does"], summary), ""]
    out += ["## treaty {#treaty}", "", fence(_command_help(main, root_ctx)), ""]
    out += sections
    return "\n".join(out)


# ============================================================================ grammar

def _rule_lines(lines: list[str], name: str) -> list[str]:
    start = None
    head = re.compile(rf"^{re.escape(name)}(\.\d+)?\s*(:|\{{)")
    for i, line in enumerate(lines):
        if head.match(line):
            start = i
            break
    if start is None:
        raise KeyError(f"no rule or terminal {name!r} in the grammar")
    first = start
    while first > 0 and lines[first - 1].startswith("//"):
        first -= 1
    end = start + 1
    while end < len(lines) and lines[end].strip() and (lines[end][0].isspace() or lines[end].lstrip().startswith("|")):
        end += 1
    return lines[first:end]


@generator("grammar")
def grammar(ctx: Context, page: str, file: str, rules: str = "") -> str:
    """Rules of a grammar file, verbatim (``rules=A,B``), or the whole file."""
    from treaty.resources import data_path

    path = data_path(file)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not rules:
        return fence("\n".join(lines), "text", title=f"grammar/{file}")
    parts = ["\n".join(_rule_lines(lines, r)) for r in rules.split(",")]
    return fence("\n\n".join(parts), "text", title=f"grammar/{file}")


@generator("file")
def file(ctx: Context, page: str, path: str, lang: str = "text") -> str:
    """A file of the repository, verbatim."""
    return fence((ctx.root / path).read_text(encoding="utf-8"), lang, title=path)


@generator("line-kinds")
def line_kinds(ctx: Context, page: str) -> str:
    """For each line kind of the structure grammar, in the order the lexer tries them,
    the first line of the example texts that the lexer reads as that kind."""
    from treaty.normalise import normalise
    from treaty.parse import LineLexer, structure_parser

    parser = structure_parser()
    lexer = LineLexer(parser.lexer_conf)
    terminals = sorted((t for t in parser.lexer_conf.terminals if t.name not in parser.lexer_conf.ignore
                        and not t.name.startswith("_") and not t.name.startswith("__")),
                       key=lambda t: (-t.priority, t.name))
    found: dict[str, tuple[str, int, str]] = {}
    order = ["examples/1949-north-atlantic-treaty.txt", "examples/2024-russia-dprk-key-points-news.txt",
             "examples/1961-ussr-dprk-treaty.txt", "examples/1995-netherlands-mongolia-bit.txt"]
    paths = [p for p in order if (ctx.root / p).exists()] + [p for p in ctx.example_paths() if p not in order]
    for rel in paths:
        original = (ctx.root / rel).read_text(encoding="utf-8")
        norm = normalise(original)
        for token in lexer.lex(norm.text):
            if token.type in found:
                continue
            pos = norm.offsets.start(token.start_pos)
            line = original.count("\n", 0, pos) + 1
            found[token.type] = (rel, line, token.value.split("\n", 1)[0])
    rows = []
    for t in terminals:
        if t.name in found:
            rel, line, text = found[t.name]
            rows.append([f"`{t.name}`", t.priority, f"`{_short(text, 70)}`", f"{Path(rel).name}:{line}"])
        else:
            rows.append([f"`{t.name}`", t.priority, "(none in the examples)", ""])
    return table(["line kind", "priority", "first example line", "where"], rows, "lrll")


# ============================================================================ normalisers

@generator("normalisers")
def normalisers(ctx: Context, page: str) -> str:
    """The normalisers in the order they run, with their own documentation, and what each
    changed in the example texts."""
    from treaty.normalise import STEPS, normalise

    counts: dict[str, int] = {name: 0 for name in STEPS}
    files: dict[str, int] = {name: 0 for name in STEPS}
    for rel in ctx.example_paths():
        changes = normalise((ctx.root / rel).read_text(encoding="utf-8")).changes
        for key, n in changes.items():
            for name in key.split("+"):  # fused character steps report together
                if name in counts:
                    counts[name] += n
                    files[name] += 1
    rows = [[i, f"`{name}`", esc(step.doc), f"{files[name]} of {len(ctx.example_paths())}"]
            for i, (name, step) in enumerate(STEPS.items(), 1)]
    return table(["#", "name", "what it does", "changed in examples"], rows, "rlll")


# ============================================================================ clauses

@generator("clause-types")
def clause_types(ctx: Context, page: str) -> str:
    """One row per clause type: its model's documentation, its own fields and its cue rules
    (grammar/vocab/clauses.yaml); then the topics each type's rules record."""
    import typing

    from pydantic import BaseModel

    from treaty import models
    from treaty.resources import load_data

    vocab = load_data("vocab/clauses.yaml")["types"]
    common = set(models._ClauseBase.model_fields)  # noqa: SLF001 - the shared fields
    union = typing.get_args(typing.get_args(models.Clause)[0])
    rows = []
    topics = []
    for cls in union:
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            continue
        name = cls.model_fields["type"].default
        own = [f for f in cls.model_fields if f not in common and f != "type"]
        rules = vocab.get(name, [])
        rows.append([f"**{name}**", esc((cls.__doc__ or "").strip()), ", ".join(own) or "–", len(rules)])
        recorded = sorted({r.get("topic", r["id"]) for r in rules})
        if recorded:
            topics.append(f"- **{name}**: " + ", ".join(recorded))
    return "\n".join([table(["type", "covers", "own fields", "cue rules"], rows, "lllr"), "",
                      "The sub-topics the cue rules record (in `topics`, `sectors`, `instruments` or `offences`):",
                      "", *topics])


@generator("clause-fields")
def clause_fields(ctx: Context, page: str, model: str = "_ClauseBase", own: str = "") -> str:
    """The fields of a clause model with their descriptions (``own=1``: not those every clause has)."""
    from treaty import models

    cls = getattr(models, model)
    common = set(models._ClauseBase.model_fields) if own else set()  # noqa: SLF001
    rows = []
    for name, field in cls.model_fields.items():
        if name == "type" or name in common:
            continue
        rows.append([f"`{name}`", _annotation(field.annotation), esc(field.description or "")])
    return table(["field", "values", "meaning"], rows)


def _annotation(annotation: Any) -> str:
    """A type annotation in words: ``list of `military` | `other` ``, ``str, optional``."""
    import typing

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(f"`{a}`" for a in args)
    if origin is typing.Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (_annotation(rest[0]) if len(rest) == 1 else " or ".join(map(_annotation, rest))) + ", optional"
    if origin is list:
        return "list of " + _annotation(args[0])
    if isinstance(annotation, type):
        return {"str": "text", "bool": "true/false", "int": "number"}.get(annotation.__name__, annotation.__name__)
    return f"`{annotation}`"


@generator("atop-definitions")
def atop_definitions(ctx: Context, page: str) -> str:
    """The ATOP definitions as written in the comments of grammar/vocab/defence.yaml."""
    from treaty.resources import data_path

    lines = [re.sub(r"^# ?", "", ln.strip()) for ln in data_path("vocab/defence.yaml").read_text(
        encoding="utf-8").splitlines() if ln.startswith("#")]
    text = " ".join(lines)
    m = re.search(r"ATOP definitions, in brief:(.*?\))\.?", text)
    if not m:
        raise KeyError("grammar/vocab/defence.yaml no longer has 'ATOP definitions, in brief:'")
    defs = [d.strip().rstrip(".") for d in m.group(1).split(";")]
    rows = []
    for d in defs:
        d = re.sub(r"^and\s+", "", d)
        name, _, meaning = d.partition("=")
        meaning = meaning.strip()
        if meaning.startswith("of ") and rows:  # "offence = of support ...": continues "a promise of ..."
            meaning = "a promise " + meaning
        rows.append([f"**{name.strip()}**", f"`{ATOP_COLUMNS.get(name.strip().replace('-', '_'), '')}`",
                     meaning])
    return table(["obligation", "ATOP column", "definition (grammar/vocab/defence.yaml)"], rows)


@generator("profile-table")
def profile_table(ctx: Context, page: str) -> str:
    """The ATOP profile of every example text, as the tool reads it."""
    rows = []
    for name, a in ctx.corpus():
        marks = ["✔" if getattr(a.profile, o) else "" for o in OBLIGATIONS]
        rows.append([f"`{name}`", ", ".join(a.party_codes) or "–", a.signed or "–", len(a.provisions()),
                     sum(1 for _ in a.clauses()), *marks])
    return table(["example", "parties", "signed", "provisions", "clauses", *OBLIGATIONS], rows,
                 "lllrr" + "c" * len(OBLIGATIONS))


@generator("image")
def image(ctx: Context, page: str, name: str, alt: str = "") -> str:
    """A plot written at build time (see docgen/plots.py)."""
    return f"![{alt}]({relative(page, 'img/' + name)})"


# ============================================================================ reference

@generator("schema")
def schema(ctx: Context, page: str) -> str:
    """The JSON Schema of an export, generated from the models, and a table of its top level."""
    data = json_schema()
    props = data.get("properties", {})
    required = set(data.get("required", []))
    rows = []
    for name, spec in props.items():
        kind = spec.get("type") or ("object" if "$ref" in spec else
                                    " or ".join(x.get("type", "object") for x in spec.get("anyOf", [])) or "")
        rows.append([f"`{name}`", kind, "yes" if name in required else "", _short(spec.get("description", ""), 120)])
    out = [table(["property", "type", "required", "description"], rows), "",
           f"The schema as a file: [{schema_path(data)}]({relative(page, schema_path(data))}) "
           f"(its `$id` is `{data.get('$id', '')}`).", "",
           '??? example "The whole schema"', "",
           _indent(fence(json.dumps(data, indent=2, ensure_ascii=False), "json"), 4)]
    return "\n".join(out)


def json_schema() -> dict[str, Any]:
    try:
        from treaty.export import json_schema as make
    except ImportError:
        from treaty.models import Agreement

        return Agreement.model_json_schema()
    return make()


def schema_path(data: dict[str, Any]) -> str:
    """Where the site publishes the schema: the path of its ``$id``, else schema/agreement.json."""
    ident = data.get("$id", "")
    m = re.match(r"https?://[^/]+/(.+\.json)$", ident)
    return m.group(1) if m else "schema/agreement.json"


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


@generator("csv-columns")
def csv_columns(ctx: Context, page: str) -> str:
    """The CSV columns, in order, from treaty.export."""
    from treaty import export

    out = []
    for title, cols in (("Clause table (`FILE.csv`, one row per clause)", getattr(export, "CLAUSE_COLUMNS", ())),
                        ("Agreement table (`FILE.agreements.csv`, one row per agreement)",
                         getattr(export, "AGREEMENT_COLUMNS", ()))):
        out += [f"**{title}:** " + ", ".join(f"`{c}`" for c in cols), ""]
    return "\n".join(out)


# ============================================================================ vocabularies

def _phrases(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"`{v}`" for v in values[:limit])
    return shown + (f" … (+{len(values) - limit})" if len(values) > limit else "")


def _vocab_clauses(data: dict[str, Any]) -> str:
    out = [f"A provision gets a type when the type's score reaches **{data['threshold']}** and at least "
           f"**{data['secondary_ratio']}** of the best type's score.", ""]
    for type_name, rules in data["types"].items():
        rows = [[f"`{r['id']}`", r.get("weight", ""), f"{r.get('facet', '')} → `{r.get('topic', '')}`",
                 _phrases([str(p) for p in r.get("phrases", [])])
                 + (f" — except {_phrases([str(p) for p in r['except']])}" if r.get("except") else "")] for r in rules]
        out += [f'??? abstract "{type_name}: {len(rules)} rules"', "",
                _indent(table(["rule", "weight", "records", "phrases"], rows, "lrll"), 4), ""]
    return "\n".join(out)


def _vocab_parties(data: dict[str, Any]) -> str:
    rows = [[f"`{code}`", ", ".join(v.get("names", [])), ", ".join(v.get("mentions", [])) or "–"]
            for code, v in data.items()]
    return "\n".join([f'??? abstract "{len(rows)} states"', "",
                      _indent(table(["code", "names", "mentions (news reports)"], rows), 4)])


def _vocab_provision(data: dict[str, Any]) -> str:
    rows = []
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, phrases in value.items():
                if isinstance(phrases, list):
                    rows.append([f"`{key}`", f"`{sub}`", _phrases([str(p) for p in phrases], 12)])
        elif isinstance(value, list):
            rows.append([f"`{key}`", "", _phrases([str(p) for p in value], 12)])
    return table(["token", "value", "phrases"], rows)


def _vocab_references(data: dict[str, Any]) -> str:
    rows = [[f"`{r['name']}`", f"`{r['regex']}`", "yes" if r.get("legal_basis") else ""]
            for r in data["references"]]
    return table(["normalised name", "expression", "legal basis"], rows)


def _vocab_spelling(data: dict[str, Any]) -> str:
    return ", ".join(f"{k} → {v}" for k, v in data["variants"].items())


def _vocab_defence(data: dict[str, Any]) -> str:
    rows = []
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, regex in value.items():
                rows.append([f"`{key}.{sub}`", f"`{_short(str(regex), 110)}`"])
        elif isinstance(value, str):
            rows.append([f"`{key}`", f"`{_short(value, 110)}`"])
        elif isinstance(value, list):
            rows.append([f"`{key}`", ", ".join(map(str, value))])
    return table(["key", "expression (lower-cased text)"], rows)


_SUMMARIES = {"vocab/clauses.yaml": _vocab_clauses, "vocab/parties.yaml": _vocab_parties,
              "vocab/provision.yaml": _vocab_provision, "vocab/references.yaml": _vocab_references,
              "vocab/spelling.yaml": _vocab_spelling, "vocab/defence.yaml": _vocab_defence}
_USED_BY = {"normalise.yaml": "treaty/normalise.py", "structure.yaml": "treaty/transform.py",
            "vocab/clauses.yaml": "treaty/classify.py", "vocab/defence.yaml": "treaty/classify.py",
            "vocab/parties.yaml": "treaty/classify.py and treaty/transform.py",
            "vocab/provision.yaml": "treaty/classify.py (with grammar/provision.lark)",
            "vocab/references.yaml": "treaty/classify.py", "vocab/spelling.yaml": "treaty/classify.py"}


@generator("vocabularies")
def vocabularies(ctx: Context, page: str) -> str:
    """Every data file of grammar/vocab and grammar/: its own header, a summary, and the file."""
    from treaty.resources import grammar_dir

    gdir = grammar_dir()
    files = sorted(p.relative_to(gdir).as_posix() for p in (gdir / "vocab").glob("*.yaml"))
    files += sorted(p.name for p in gdir.glob("*.yaml"))
    out = [table(["file", "what it holds", "read by"],
                 [[f"[`grammar/{f}`](#{_slug(f)})", esc(_first_sentence(gdir / f)), _USED_BY.get(f, "")]
                  for f in files]), ""]
    for f in files:
        path = gdir / f
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [f"## grammar/{f} {{#{_slug(f)}}}", "", header_comment(path), ""]
        summary = _SUMMARIES.get(f)
        if summary:
            out += [summary(data), ""]
        out += [f'??? note "The whole file: grammar/{f}"', "", _indent(fence(path.read_text(encoding="utf-8"),
                                                                               "yaml"), 4), ""]
    return "\n".join(out)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _first_sentence(path: Path) -> str:
    """The first sentence of a data file's header comment, without a trailing "(module.py)"."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") or not line.strip("# "):
            break
        words.append(line.strip("# "))
    text = " ".join(words)
    first = re.split(r"(?<=\.)\s|(?<=\)):\s", text, maxsplit=1)[0].rstrip(".:")
    return re.sub(r"\s*\((?:treaty/)?[\w/]+\.py\)$", "", first)


@generator("phrase-syntax")
def phrase_syntax(ctx: Context, page: str) -> str:
    """The phrase syntax, as documented in the header of grammar/vocab/provision.yaml."""
    from treaty.resources import data_path

    lines = []
    for line in data_path("vocab/provision.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(re.sub(r"^# ?", "", line))
    text = "\n".join(lines)
    m = re.search(r"\n((?:  \S.*\n)+)", text + "\n")
    if not m:
        raise KeyError("grammar/vocab/provision.yaml no longer documents the phrase syntax")
    rows = []
    for line in m.group(1).splitlines():
        what, pattern = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        note = ""
        if "(" in pattern and pattern.rstrip().endswith(")") and "  " in pattern:
            pattern, note = re.split(r"\s{2,}", pattern, maxsplit=1)
        rows.append([what, f"`{pattern.strip()}`", note.strip("() ")])
    after = text[m.end():].strip()
    return table(["construct", "example", "note"], rows) + ("\n\n" + after if after else "")


# ============================================================================ limitations

@generator("gold-size")
def gold_size(ctx: Context, page: str) -> str:
    """How much the gold labels cover."""
    import treaty
    from treaty.evaluate import evaluate_dir

    from .runner import _cwd

    with _cwd(ctx.root):
        results = evaluate_dir(Path("examples/gold"), [Path("examples")], treaty.load)
    rows = [[f"`{r.gold}`", f"`{r.text}`", len(r.provisions), len(r.profile)] for r in results]
    total = sum(len(r.provisions) for r in results)
    return (table(["gold file", "labels the text", "labelled provisions", "profile cells"], rows, "llrr")
            + f"\n\n**{total} labelled provisions in {len(results)} agreements.**")


@generator("silver-scores")
def silver_scores(ctx: Context, page: str) -> str:
    """Precision and recall per type on the silver label sets (bench/silver), as `bench/run.py silver` prints them."""
    import sys

    bench = str(ctx.root / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import bench_silver

    from treaty.models import CLAUSE_TYPES

    by_set = bench_silver.scores_by_set(bench_silver.load_rows())
    out = []
    for t in CLAUSE_TYPES:
        cells = [t]
        for chosen, result in by_set.values():
            tp, fp, fn = (result[k][t] for k in ("tp", "fp", "fn"))
            labelled = sum(t in r["types"] for r in chosen)
            cells.append(f"{bench_silver.ratio(tp, tp + fp)} / {bench_silver.ratio(tp, tp + fn)} ({labelled})")
        out.append(cells)
    out.append(["*left unclassified*"] + [f"{result['unclassified']} of {result['provisions']}"
                                           for _chosen, result in by_set.values()])
    headers = ["type"] + [f"`{name}`" for name in by_set]
    return ("Each cell: precision / recall (provisions labelled with the type).\n\n"
            + table(headers, out, "l" + "r" * len(by_set)))


@generator("partial-sources")
def partial_sources(ctx: Context, page: str) -> str:
    """The rows of examples/SOURCES.md that are not complete texts."""
    rows = []
    for line in (ctx.root / "examples" / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`") and not cells[-1].lower().startswith(("complete", "as in")):
            rows.append([cells[0], cells[-1]])
    return table(["example", "completeness (examples/SOURCES.md)"], rows)


@generator("speed")
def speed(ctx: Context, page: str) -> str:
    """Throughput of parse + classify over the example texts, measured while these docs were built."""
    import treaty

    texts = [(ctx.root / rel).read_text(encoding="utf-8") for rel in ctx.example_paths()]
    chars = sum(len(t) for t in texts)
    treaty.parse(texts[0])  # grammars and vocabularies built once
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for t in texts:
            treaty.parse(t)
        runs.append(time.perf_counter() - start)
    rate = chars / sorted(runs)[1] / 1e6
    return (f"While these pages were built, `treaty.parse` (structure and clauses) read the "
            f"{len(texts)} example texts ({chars / 1000:.0f} k characters) at **{rate:.2f} M characters/s** "
            f"(median of 3) against a target of 5 M characters/s: the target is "
            f"**{'met' if rate >= 5 else 'not met'}** here.")


# ============================================================================ comparison

@generator("alignment-weights")
def alignment_weights(ctx: Context, page: str) -> str:
    """The weights treaty.compare scores clause pairs with (read from the module, when it has them)."""
    # `import treaty.compare as ...` would give the function treaty.compare, not the module
    cmp = importlib.import_module("treaty.compare")

    parts = getattr(cmp, "_W_CONTENT", None), getattr(cmp, "_W_TEXT", None), getattr(cmp, "_W_ATTRS", None)
    content = getattr(cmp, "_CONTENT", None)
    attrs = getattr(cmp, "_ATTRS", None)
    if None in parts or not isinstance(content, dict):
        return "(The weights are documented in `treaty/compare.py`.)"
    rows = [["content fields of the type", parts[0],
             "; ".join(f"**{t}**: " + ", ".join(f"{f} {w:g}" for f, w in fields.items())
                       for t, fields in content.items() if fields)],
            ["words of the provisions (Jaccard)", parts[1], "function words and treaty boilerplate left out"]]
    if isinstance(attrs, dict):
        rows.append(["common attributes", parts[2], ", ".join(f"{f} {w:g}" for f, w in attrs.items())])
    gate = getattr(cmp, "_TEXT_GATE", None)
    out = table(["part", "weight", "fields and their weights within the part"], rows, "lrl")
    if gate is not None:
        out += (f"\n\nEach part is a weighted mean of Jaccard indices over the fields either clause fills. "
                f"Two clauses that share no content value are paired only if their provisions share at least "
                f"{gate:.0%} of their words.")
    return out
