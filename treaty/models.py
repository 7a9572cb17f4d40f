"""Pydantic models: the agreement, its document tree, spans and diagnostics.

Spans always point into the ORIGINAL input (before normalisation).  They are
evidence, not identity: :mod:`treaty.compare` matches nodes and clauses by
their semantic content, never by position.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

NodeKind = Literal["recital", "division", "article", "paragraph", "point", "item",
                   "text", "final", "signature", "annex"]


class Span(BaseModel):
    """A stretch of the original input: offsets (end exclusive), 1-based line and column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    line: int = Field(ge=1)
    column: int = Field(ge=1)

    def slice(self, original: str) -> str:
        """The text this span covers in ``original``."""
        return original[self.start:self.end]


class Diagnostic(BaseModel):
    """Something suspicious about the input: reported, never raised."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    severity: Literal["info", "warning"] = "warning"
    line: int = Field(ge=1)
    column: int = Field(ge=1)

    def format(self, file: str | None = None) -> str:
        """``file:line:column: severity: message``."""
        return f"{file or '<input>'}:{self.line}:{self.column}: {self.severity}: {self.message}"


class Skipped(BaseModel):
    """Input the normalisers removed (web debris, database notes), so nothing is lost silently."""

    model_config = ConfigDict(extra="forbid")

    reason: str
    text: str
    span: Span


class Node(BaseModel):
    """One element of the document tree (article, paragraph, point, list item ...)."""

    model_config = ConfigDict(extra="forbid")

    kind: NodeKind
    id: str
    number: Optional[str] = None
    heading: Optional[str] = None
    text: str = ""
    span: Span
    provision: bool = False
    children: list[Node] = Field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def full_text(self) -> str:
        """Own text followed by the text of all descendants (what a provision says)."""
        parts = [n.text for n in self.walk() if n.text]
        return "\n".join(parts)


class Source(BaseModel):
    """Where the text came from."""

    model_config = ConfigDict(extra="forbid")

    name: Optional[str] = None
    sha256: str
    size: int = Field(ge=0, description="Size of the input in bytes (UTF-8 for Python strings).")
    encoding: str = "utf-8"
    tool: str = Field(description="Version of treaty that produced this record.")


class Agreement(BaseModel):
    """A parsed agreement: metadata, the document tree and what the parser noticed."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    source: Source
    title: Optional[str] = None
    parties: list[str] = Field(default_factory=list)
    signed: Optional[_dt.date] = None
    place: Optional[str] = None
    mode: Literal["articles", "prose"] = "articles"
    nodes: list[Node] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, depth first, in document order."""
        for node in self.nodes:
            yield from node.walk()

    def provisions(self) -> list[Node]:
        """The nodes that are provisions (the units clauses are read from), in order."""
        return [n for n in self.walk() if n.provision]

    def find(self, node_id: str) -> Optional[Node]:
        """The node with this id, or None."""
        for node in self.walk():
            if node.id == node_id:
                return node
        return None
