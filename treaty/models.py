"""Pydantic models: the agreement, its document tree, spans and diagnostics.

Spans always point into the ORIGINAL input (before normalisation).  They are
evidence, not identity: :mod:`treaty.compare` matches nodes and clauses by
their semantic content, never by position.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Iterator, Literal, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION = "1.0"

_T = TypeVar("_T")

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


Modality = Literal["obligation", "prohibition", "permission", "aspiration"]
Obligation = Literal["defence", "offence", "neutrality", "non_aggression", "consultation"]
OBLIGATIONS: tuple[str, ...] = ("defence", "offence", "neutrality", "non_aggression", "consultation")


class Evidence(BaseModel):
    """Why a clause says what it says: the rule that fired and the words it fired on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    text: str
    span: Span


class _ClauseBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modality: Optional[Modality] = Field(None, description="obligation (shall, undertakes to), prohibition "
                                         "(shall not), permission (may), aspiration (shall endeavour).")
    bound: list[str] = Field(default_factory=list, description="Who is bound: each, either, both, all, other, "
                             "or ISO 3166 codes of named parties.")
    conditions: list[str] = Field(default_factory=list, description="Trigger text: if / in case / should ...")
    timing: Optional[Literal["immediate"]] = None
    references: list[str] = Field(default_factory=list, description="Normalised legal references, "
                                  "e.g. 'UN Charter art. 51', 'national laws'.")
    evidence: list[Evidence] = Field(default_factory=list)


class DefenceClause(_ClauseBase):
    """Military and security obligations (ATOP's defence, offence, neutrality, non-aggression, consultation)."""

    type: Literal["defence"] = "defence"
    obligations: list[Obligation] = Field(default_factory=list)
    trigger: Optional[str] = Field(None, description="armed_attack, state_of_war, aggression, "
                                   "threat_of_aggression, threat_to_security")
    assistance: list[Literal["military", "other"]] = Field(default_factory=list)
    means: Optional[str] = Field(None, description="all_available, as_deemed_necessary")
    automatic: Optional[bool] = None
    scope: Optional[str] = Field(None, description="A location condition, e.g. 'in Europe or North America'.")
    legal_basis: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)


class TradeClause(_ClauseBase):
    """Trade, economy, investment, customs, finance, standards, science and technology."""

    type: Literal["trade"] = "trade"
    sectors: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)


class LegalClause(_ClauseBase):
    """Legal assistance, extradition, rights of nationals, law enforcement, crime, sanctions."""

    type: Literal["legal"] = "legal"
    instruments: list[str] = Field(default_factory=list)
    offences: list[str] = Field(default_factory=list)


class InformationClause(_ClauseBase):
    """Information security, ICT governance, media, publications, disinformation."""

    type: Literal["information"] = "information"
    topics: list[str] = Field(default_factory=list)


class PoliticalClause(_ClauseBase):
    """Principles of relations, world order, international organisations, political consultation."""

    type: Literal["political"] = "political"
    topics: list[str] = Field(default_factory=list)


class SocialClause(_ClauseBase):
    """Culture, education, health, sport, tourism, environment, disasters, social security."""

    type: Literal["social"] = "social"
    topics: list[str] = Field(default_factory=list)


class ProceduralClause(_ClauseBase):
    """Ratification, entry into force, duration, termination, amendment, disputes, depositary ..."""

    type: Literal["procedural"] = "procedural"
    topics: list[str] = Field(default_factory=list)


class UnclassifiedClause(_ClauseBase):
    """A provision no rule could type: an honest 'unclassified' rather than a guess."""

    type: Literal["unclassified"] = "unclassified"


Clause = Annotated[Union[DefenceClause, TradeClause, LegalClause, InformationClause, PoliticalClause,
                         SocialClause, ProceduralClause, UnclassifiedClause], Field(discriminator="type")]
CLAUSE_TYPES: tuple[str, ...] = ("defence", "trade", "legal", "information", "political", "social", "procedural")


class Profile(BaseModel):
    """The agreement's ATOP obligations, derived from its defence clauses."""

    model_config = ConfigDict(extra="forbid")

    defence: bool = False
    offence: bool = False
    neutrality: bool = False
    non_aggression: bool = False
    consultation: bool = False
    by_party: dict[str, list[Obligation]] = Field(
        default_factory=dict, description="Obligations each party carries (ISO 3166 code -> obligations).")


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
    clauses: list[Clause] = Field(default_factory=list)
    children: list[Node] = Field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, in document order."""
        yield from depth_first([self])

    def full_text(self) -> str:
        """Own text followed by the text of all descendants (what a provision says)."""
        if not self.children:
            return self.text
        parts = [n.text for n in self.walk() if n.text]
        return "\n".join(parts)


def depth_first(nodes: list[_T]) -> Iterator[_T]:
    """``nodes`` and their descendants (anything with ``children``), depth first, in order."""
    # A stack, not nested generators: a node deep in the tree would otherwise
    # pass through one generator per level on its way out.
    stack = nodes[::-1]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        yield node
        if node.children:
            extend(node.children[::-1])


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
    parties: list[str] = Field(default_factory=list, description="Parties as named in the text.")
    party_codes: list[str] = Field(default_factory=list, description="ISO 3166 codes of the parties.")
    signed: Optional[_dt.date] = None
    place: Optional[str] = None
    mode: Literal["articles", "prose"] = "articles"
    profile: Profile = Field(default_factory=Profile)
    nodes: list[Node] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)

    # Positions of node texts in the normalised text, kept while the agreement
    # comes out of the parser so that clause evidence can point into the original.
    _locator: object = PrivateAttr(default=None)

    def __getstate__(self) -> dict:
        # The locator (positions in the normalised text) is only needed while
        # classifying; it is large and must not travel to worker processes.
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_locator"] = None
        state["__pydantic_private__"] = private
        return state

    def __eq__(self, other: object) -> bool:
        # Equal content is equal agreements: the private locator (present only
        # on freshly parsed agreements) does not take part.
        if not isinstance(other, Agreement):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def short_id(self) -> str:
        """A short name for tables and reports: the source file's name without folder and
        extension, or ``sha256:`` and the first 12 hex digits of the input's hash."""
        name = self.source.name
        if name and not name.startswith("<") and name != "-":
            stem = name.replace("\\", "/").rsplit("/", 1)[-1]
            stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
            if stem:
                return stem
        return "sha256:" + self.source.sha256[:12]

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, depth first, in document order."""
        return depth_first(self.nodes)

    def provisions(self) -> list[Node]:
        """The nodes that are provisions (the units clauses are read from), in order."""
        return [n for n in self.walk() if n.provision]

    def clauses(self) -> Iterator[tuple[Node, "Clause"]]:
        """Every (provision, clause) pair, in document order."""
        for node in self.walk():
            for clause in node.clauses:
                yield node, clause

    def find(self, node_id: str) -> Optional[Node]:
        """The node with this id, or None."""
        for node in self.walk():
            if node.id == node_id:
                return node
        return None
