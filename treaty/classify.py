"""Stage 4: type every provision into clauses, with obligations, attributes and evidence.

Two readings of each provision, both driven by data in ``grammar/``:

* the provision grammar (``grammar/provision.lark``, tokens from
  ``grammar/vocab/provision.yaml``) finds who is bound, the modal, conditions,
  timing and legal references, sentence by sentence;
* the cue rules (``grammar/vocab/clauses.yaml``) score the clause types and
  collect sub-topics.  To stay fast, a rule is only tried on a provision that
  contains the first word of one of its phrases (found with one C-level
  ``findall`` and a set intersection).

Defence clauses then get the ATOP obligation kinds and their attributes
(trigger, assistance, means, scope, legal basis), and the agreement its profile.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from lark import Lark, Transformer
from lark.lexer import Lexer

from pydantic import TypeAdapter

from .models import CLAUSE_TYPES, OBLIGATIONS, Agreement, Clause, Node, Profile, Span
from .parse import TableDriver, lean_list_callbacks
from .resources import data_path, load_data

__all__ = ["classify", "compile_phrase", "party_code", "explain_rows"]

# ------------------------------------------------------------------------- phrases

_GAP = r"(?:\s+\S+){0,12}?"
_PREFIX = 5  # rules are indexed by the first letters of their first word


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _word_regex(word: str) -> str:
    if word == "#":
        return r"\d+"
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"[\w'-]*"
    return re.escape(word)


def _compile(phrase: str) -> tuple[str, set[str], bool]:
    """Regex, possible first words, and whether the phrase is all optional."""
    tokens = [t for t in _split_top(phrase.strip(), " ") if t]
    out = ""
    need_sep = False
    first_words: set[str] = set()
    leading = True  # no required word yet
    for tok in tokens:
        if tok == "...":
            out += _GAP
            need_sep = True
            leading = False
            continue
        optional = tok.startswith("[") and tok.endswith("]")
        group = optional or (tok.startswith("(") and tok.endswith(")"))
        if group:
            compiled = [_compile(a.strip()) for a in _split_top(tok[1:-1], "|")]
            regex = "(?:" + "|".join(c[0] for c in compiled) + ")"
            firsts = set().union(*(c[1] for c in compiled))
        else:
            regex = _word_regex(tok)
            firsts = {tok}
        if leading:
            first_words |= firsts
        if optional:
            out += f"(?:\\s+{regex})?" if need_sep else f"(?:{regex}\\s+)?"
        else:
            out += ("\\s+" if need_sep else "") + regex
            need_sep = True
            leading = False
    return out, first_words, leading


def compile_phrase(phrases: Iterable[str]) -> tuple[re.Pattern[str], set[str]]:
    """Compile phrases (treaty's phrase syntax) into one regex over lower-cased text, and its index keys."""
    regexes, keys = [], set()
    for phrase in phrases:
        regex, firsts, _ = _compile(phrase.lower())
        regexes.append(regex)
        for word in firsts:
            m = re.match(r"[a-z]+", word)
            if m is None:
                keys.add("")  # cannot be indexed: always tried
                continue
            stem = m.group()
            if word.endswith("*") and len(stem) < _PREFIX and stem == word.rstrip("*"):
                raise ValueError(f"stem '{word}' is too short to index: write its forms out")
            keys.add(stem[:_PREFIX])
    return re.compile(r"(?<![\w])(?:" + "|".join(regexes) + r")(?![\w])"), keys


_WORD_RE = re.compile(r"[a-z]+")
_PLAIN_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*\Z")


@dataclass(frozen=True)
class _Phrase:
    """One phrase of a rule, ready for the fast path: a regex that starts with a literal word
    (so the regex engine can skip ahead), the words it cannot match without, and its index key."""

    source: str
    key: str
    key_is_prefix: bool
    words: frozenset[str]
    prefixes: frozenset[str]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        # Compiled on first use: a short text needs only a few of the ~800 phrases,
        # and compiling them all would slow down every start of the command line.
        return _compiled(self.source)


@functools.lru_cache(maxsize=None)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _leading_variants(phrase: str) -> list[str]:
    """Rewrite a phrase so each variant starts with a plain word or stem ("[all] available" -> 2)."""
    tokens = [t for t in _split_top(phrase.strip(), " ") if t]
    if not tokens:
        return []
    first, rest = tokens[0], " ".join(tokens[1:])
    optional = first.startswith("[") and first.endswith("]")
    if optional or (first.startswith("(") and first.endswith(")")):
        out = []
        for alt in _split_top(first[1:-1], "|"):
            out.extend(_leading_variants(f"{alt.strip()} {rest}".strip()))
        if optional and rest:
            out.extend(_leading_variants(rest))
        return out
    return [phrase.strip()]


def compile_rule_phrases(phrases: Iterable[str]) -> list[_Phrase]:
    """Compile a rule's phrases for :func:`_hits` (lower-cased text, treaty's phrase syntax)."""
    out = []
    for phrase in phrases:
        for variant in _leading_variants(phrase.lower()):
            regex, _firsts, _ = _compile(variant)
            tokens = [t for t in _split_top(variant, " ") if t]
            first = tokens[0]
            if first.endswith("*"):
                stem = first[:-1]
                if len(stem) < _PREFIX or not stem.isalpha():
                    raise ValueError(f"stem '{first}' is too short to index: write its forms out")
                key, is_prefix = stem[:_PREFIX], True
            elif _PLAIN_WORD.match(first):
                key, is_prefix = re.match(r"[a-z]+", first).group(), False  # "non-aggression" -> "non"
            else:  # "u.n." and the like: index by its first letters
                key, is_prefix = re.match(r"[a-z]*", first).group()[:_PREFIX], True
            words = frozenset(part for t in tokens if _PLAIN_WORD.match(t) for part in re.findall(r"[a-z]+", t))
            prefixes = frozenset(t[:-1][:_PREFIX] for t in tokens if t.endswith("*") and t[:-1].isalpha())
            out.append(_Phrase(regex + r"(?![\w])", key, is_prefix, words, prefixes))
    return out


def _expand(phrase: str, limit: int = 500) -> list[str]:
    """All literal forms of a phrase without stems or numbers ("[all] available means" -> 2 forms)."""
    forms = [""]
    for tok in (t for t in _split_top(phrase.strip(), " ") if t):
        optional = tok.startswith("[") and tok.endswith("]")
        if optional or (tok.startswith("(") and tok.endswith(")")):
            options = [f for a in _split_top(tok[1:-1], "|") for f in _expand(a, limit)]
            if optional:
                options.append("")
        else:
            if "*" in tok or tok == "#" or tok == "...":
                raise ValueError(f"'{phrase}': token phrases take plain words only")
            options = [tok]
        forms = [(f + " " + o).strip() for f in forms for o in options]
        if len(forms) > limit:
            raise ValueError(f"'{phrase}' has more than {limit} forms")
    return forms


def _trie_regex(strings: Iterable[str]) -> str:
    """One regex matching any of ``strings`` (spaces match any spacing), longest first.

    A trie keeps Python's backtracking engine from trying every alternative at
    every word: it compares one character per branch instead.
    """
    trie: dict[str, Any] = {}
    for string in strings:
        node = trie
        for ch in string:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        alts = [(r"\s+" if ch == " " else re.escape(ch)) + render(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return render(trie)


# --------------------------------------------------------------------------- vocabulary

@dataclass(slots=True)
class _Rule:
    order: int
    id: str
    type: str
    weight: int
    facet: str
    topic: str
    phrases: list[_Phrase]
    # Longer names the rule must not fire inside ("european court of human rights"
    # for human rights): a regex over lower-cased text, or None; and for each of
    # them a word it cannot match without ("" when it has none), a quick test.
    unless: Optional[re.Pattern[str]] = None
    unless_needles: tuple[str, ...] = ()


@dataclass
class _Vocab:
    rules: list[_Rule]
    # Key -> (rule, phrase, the phrase's words a text with the key may still lack).
    index: dict[str, list[tuple[_Rule, _Phrase, frozenset[str]]]]
    index_prefixes: dict[str, list[tuple[_Rule, _Phrase, frozenset[str]]]]
    threshold: float
    ratio: float
    token_re: re.Pattern[str]
    token_re_ascii: re.Pattern[str]  # the same, for lower-cased ASCII text
    token_literal: dict[str, tuple[str, str]]
    imperative_verbs: set[str]
    imperative_adverbs: set[str]
    imperative_openers: frozenset[str]  # a first word that may open an imperative bullet
    aspiration_verbs: set[str]
    references: list[tuple[re.Pattern[str], str, bool]]
    party_mentions: str
    mention_codes: dict[str, str]
    party_name_re: re.Pattern[str] = re.compile(r"(?!)")
    party_words: frozenset[str] = frozenset()  # a necessary word of each state name (see _key_words)
    name_codes: dict[str, str] = field(default_factory=dict)
    background: list[tuple[str, re.Pattern[str], Optional[re.Pattern[str]]]] = field(default_factory=list)
    background_words: frozenset[str] = frozenset()
    index_keys: frozenset[str] = frozenset()
    prefix_keys: frozenset[str] = frozenset()
    rule_words: frozenset[str] = frozenset()  # every word a rule phrase, index or background names
    known_words: frozenset[str] = frozenset()  # rule_words and party_words
    discount_when: frozenset[str] = frozenset()
    discount_rules: frozenset[str] = frozenset()


# Words in most provisions of most treaties: poor index keys (see vocabulary()).
_FREQUENT = frozenset("party parties state states contracting article agreement agreements provision provisions "
                      "present other such respect shall".split())


@functools.lru_cache(maxsize=1)
def vocabulary() -> _Vocab:
    """Load and compile the vocabularies once."""
    data = load_data("vocab/clauses.yaml")
    rules: list[_Rule] = []
    index: dict[str, list[tuple[_Rule, _Phrase, frozenset[str]]]] = {}  # by a word the phrase needs
    index_prefixes: dict[str, list[tuple[_Rule, _Phrase, frozenset[str]]]] = {}  # by the first letters of a stem
    for type_name, entries in data["types"].items():
        for entry in entries:
            phrases = compile_rule_phrases(entry["phrases"])
            unless = compile_phrase(entry["except"])[0] if entry.get("except") else None
            # the exception's longest word that none of the rule's own phrases needs
            # ("slave" for "slave trade"): the rule fires on the others all the time
            own = {w for phrase in phrases for w in phrase.words}
            needles = tuple(max(p.words - own or p.words, key=len, default="")
                            for p in compile_rule_phrases(entry.get("except", ())))
            rule = _Rule(len(rules), f"{type_name}.{entry['id']}", type_name, int(entry["weight"]), entry["facet"],
                         entry["topic"], phrases, unless, needles)
            rules.append(rule)
    # A phrase is filed under the word it needs that the fewest phrases share
    # ("aggression" rather than "act" or "of"): a provision then brings up only
    # the rules it may fire, not every rule whose phrase starts with "the".
    # Short words and words most treaty sentences hold ("is", "this", "party")
    # are keys only when a phrase has nothing else: whatever the key, the
    # phrase's other words and its regex decide, so this changes only speed.
    shared: dict[str, int] = {}
    for rule in rules:
        for phrase in rule.phrases:
            for word in phrase.words:
                shared[word] = shared.get(word, 0) + 1
    for rule in rules:
        for phrase in rule.phrases:
            if phrase.words:
                key = min(phrase.words, key=lambda w: (len(w) <= 4 or w in _FREQUENT, shared[w], -len(w), w))
                index.setdefault(key, []).append((rule, phrase, phrase.words - {key}))
            else:
                table = index_prefixes if phrase.key_is_prefix else index
                table.setdefault(phrase.key, []).append((rule, phrase, phrase.words))
    prov = load_data("vocab/provision.yaml")
    # Literal token forms -> (kind, value); earlier entries win a tie.
    literal: dict[str, tuple[str, str]] = {}

    def add(kind: str, value: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            for form in _expand(phrase.lower()):
                literal.setdefault(form, (kind, value))

    for modality in ("prohibition", "aspiration", "permission", "obligation"):
        add("MODAL", modality, prov["modals"][modality])
    for who, phrases in prov["actors"].items():
        add("ACTOR", who, phrases)
    add("COND", "if", prov["cond"])
    for value, phrases in prov["time"].items():
        add("TIME", value, phrases)
    refs_data = load_data("vocab/references.yaml")["references"]
    references = [(re.compile(r["regex"]), r["name"], bool(r.get("legal_basis"))) for r in refs_data]
    ref_body = "|".join(f"(?:{r['regex']})".replace("(?P<n>", "(?:") for r in refs_data)
    ref_starts = _trie_regex(sorted({w.lower() for r in refs_data for w in r.get("starts", [])}))
    literal.setdefault("should", ("COND", "should"))  # kept only where it opens a clause, see _tokens
    # Words and punctuation are found in two passes: each regex then starts
    # with something the engine can skip to quickly.
    # The scan runs over " " + text and starts by taking the character before a
    # token: a pattern that opens with a character set lets the regex engine skip
    # through letters in C, where a look-behind would be tried at every position
    # (three times slower on a typical provision).
    # The ends of sentences (";", and "." before a space) come out of the same
    # scan: that character is the one taken before a token.
    words_re = rf"(?:(?P<lit>{_trie_regex(literal)})|(?={ref_starts})(?P<ref>{ref_body}))(?![\w])"
    # The look-behind keeps a letter such as "é" (not a-z, yet a word character)
    # from opening a token; lower-cased ASCII has none, and skips the test.
    token_re = re.compile(rf"[^a-z0-9_](?:(?<![\w]){words_re}|(?P<end>(?<=;)|(?<=\.)(?=\s|$)))")
    token_re_ascii = re.compile(rf"[^a-z0-9_](?:{words_re}|(?P<end>(?<=;)|(?<=\.)(?=\s|$)))")
    structure = load_data("structure.yaml")
    parties = load_data("vocab/parties.yaml")
    names: list[tuple[str, str]] = []
    mentions: list[tuple[str, str]] = []
    for code, entry in parties.items():
        for n in entry.get("names", []):
            names.append((str(n), code))
        for n in entry.get("mentions", []):
            mentions.append((str(n), code))
    names.sort(key=lambda x: -len(x[0]))
    allm = sorted(names + mentions, key=lambda x: -len(x[0]))
    mention_re = r"(?<![\w.])(" + _names_regex(n for n, _ in allm) + r")(?:'s)?(?![\w])"  # compiled on use
    mention_codes = {_name_key(n): code for n, code in allm}
    background = [_pivoted(p) for p in data.get("background", [])]
    rule_words = (frozenset(index) | {w for r in rules for ph in r.phrases for w in ph.words}
                  | {word for word, _suffix, _prefix in background})
    party_words = _key_words(n for n, _ in names)
    return _Vocab(
        rules=rules, index=index, index_prefixes=index_prefixes, index_keys=frozenset(index),
        prefix_keys=frozenset(index_prefixes), threshold=float(data["threshold"]),
        ratio=float(data["secondary_ratio"]), token_re=token_re, token_re_ascii=token_re_ascii,
        token_literal=literal,
        imperative_verbs=set(structure["imperative_verbs"].lower().split()),
        imperative_adverbs=set(structure["imperative_adverbs"].lower().split()) - {"not", "never"},
        imperative_openers=frozenset(structure["imperative_verbs"].lower().split())
        | frozenset(structure["imperative_adverbs"].lower().split()) | {"not", "never"},
        aspiration_verbs=set(prov["imperative_aspiration"]),
        references=references, party_mentions=mention_re,
        mention_codes=mention_codes,
        party_name_re=re.compile(r"(?<![\w.])(?:(?i:the)\s+)?(" + _names_regex(n for n, _ in names) + r")(?![\w])"),
        name_codes={_name_key(n): code for n, code in names},
        party_words=party_words,
        background=background,
        background_words=frozenset(word for word, _suffix, _prefix in background),
        rule_words=rule_words,
        known_words=rule_words | party_words,
        discount_when=frozenset(data.get("discount", {}).get("when", [])),
        discount_rules=frozenset(data.get("discount", {}).get("rules", [])),
    )


def _is_acronym(name: str) -> bool:
    bare = name.replace(".", "")
    return bare.isupper() and len(bare) <= 5


def _key_words(names: Iterable[str]) -> frozenset[str]:
    """One word of each name, the rarest among all names ("korea" of "Republic of Korea").

    A text without any of them names no state, which spares the name search; words
    such as "the" or "republic" would let nearly every text through.
    """
    split = [re.findall(r"[a-z]+", n.lower()) for n in names]
    counts: dict[str, int] = {}
    for words in split:
        for w in set(words):
            counts[w] = counts.get(w, 0) + 1
    return frozenset(min(words, key=lambda w: (counts[w], -len(w), w)) for words in split if words)


def _names_regex(names: Iterable[str]) -> str:
    """Acronyms (US, DPRK, UK) match only in capitals; other names ignore case (one trie each)."""
    names = list(names)
    acronyms = [n for n in names if _is_acronym(n)]
    others = [" ".join(n.lower().split()) for n in names if not _is_acronym(n)]
    return f"(?i:{_trie_regex(others)})|{_trie_regex(acronyms)}"


def _name_key(name: str) -> str:
    key = " ".join(name.split())
    return key if _is_acronym(key) else key.lower()


def party_code(name: str) -> Optional[str]:
    """ISO 3166 code of a party name as found ('the Russian Federation' -> 'RUS'), or None."""
    vocab = vocabulary()
    m = vocab.party_name_re.search(name.strip())
    if m is None:
        return None
    found = m.group(1)
    return vocab.name_codes.get(_name_key(found)) or vocab.name_codes.get(" ".join(found.lower().split()))


# ---------------------------------------------------------------------- provision grammar

class _ProvisionLexer(Lexer):
    """Feeds the tokens a classify pass prepared (see :func:`_tokens`)."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, lexer_state: Any, parser_state: Any = None) -> Iterable[Any]:
        data = lexer_state.text if hasattr(lexer_state, "text") else lexer_state
        if not isinstance(data, list):
            data = data.text  # Lark >= 1.2 wraps the input
        return iter(data)


class _Shape(Transformer):
    """Builds plain tuples while parsing (no tree objects: this runs for every provision)."""

    def sentence(self, children: list[tuple]) -> tuple[str, list[tuple]]:
        return ("sentence", children)

    def last(self, children: list[tuple]) -> tuple[str, list[tuple]]:
        return ("last", children)

    def provision(self, children: list[Any]) -> list[Any]:
        return children

    def start(self, children: list[Any]) -> list[Any]:
        return children


@functools.lru_cache(maxsize=1)
def provision_parser() -> Lark:
    """The provision-sentence parser, built once; ``parse(tokens)`` returns one list per provision."""
    with open(data_path("provision.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    return lean_list_callbacks(Lark(grammar, parser="lalr", lexer=_ProvisionLexer, transformer=_Shape()))


@functools.lru_cache(maxsize=1)
def _provision_driver() -> Optional[TableDriver]:
    return TableDriver.of(provision_parser())


_KIND = operator.itemgetter(0)  # a provision token's terminal name


# A duty read from a provision: (modality, bound, start, end, sentence).  A plain
# tuple: there is one per modal of every provision.
_Duty = tuple[str, list[str], int, int, int]


@dataclass
class _Reading:
    text: str
    low: str
    starts: list[int]  # where each sentence starts (a provision has at least one)
    duties: list[_Duty]
    conditions: list[tuple[int, int, int]]  # start, end, sentence
    timing: list[tuple[int, int, int]]
    references: list[tuple[str, bool, int, int, int]]  # name, legal_basis, start, end, sentence


_THIRD = operator.itemgetter(2)
_NEXT_WORD = re.compile(r"\s*([a-z]+)")
_LEAD_WORD = re.compile(r"[a-z][a-z'\-]*")
_COMMA = re.compile(",")
_ENDS = re.compile(r";|\.(?=\s|$)")


class _Tok(tuple):
    """A provision token as Lark's own parser loop can read it.

    Tokens are plain ``(kind, value, start, end)`` tuples, built in C, which the
    table driver and :func:`_read` use as they come.  Lark's loop, used only
    when the driver cannot be (another Lark version), asks a token for its
    ``type`` and, at the end, for the position attributes it copies onto its end
    marker: this subclass gives it those.
    """

    __slots__ = ()
    type = property(operator.itemgetter(0))
    value = property(operator.itemgetter(1))
    start_pos = property(operator.itemgetter(2))
    end_pos = property(operator.itemgetter(3))
    line = column = end_line = end_column = None


def _opens_clause(low: str, pos: int) -> bool:
    before = low[max(0, pos - 3):pos].rstrip()
    return not before or before[-1] in ".;:,\n"


def _tokens(lows: list[str]) -> tuple[list[tuple[str, str, int, int]], list[list[int]]]:
    """Tokens ``(kind, value, start, end)`` of all provisions (commas left out), and each one's comma positions."""
    vocab = vocabulary()
    literal = vocab.token_literal
    out: list[tuple[str, str, int, int]] = []
    append = out.append
    commas: list[list[int]] = []
    for index, low in enumerate(lows):
        append(("PROV", str(index), 0, 0))
        has_condition = False
        spaced = " " + low  # offsets in it are one past those in low
        for m in (vocab.token_re_ascii if low.isascii() else vocab.token_re).finditer(spaced):
            # A match is the character before the token, then the token (or, for a
            # sentence end, that character alone): its span says where both are.
            at, stop = m.span()
            group = m.lastgroup
            if group == "end":
                append(("END", spaced[at], at - 1, at))
                continue
            if spaced[at] == ";":  # ";" right before a word: it ends a sentence too
                append(("END", ";", at - 1, at))
            end = stop - 1
            g = spaced[at + 1:stop]
            if group == "lit":
                kind, value = literal.get(g) or literal[" ".join(g.split())]
                if kind == "COND":
                    if value == "should" and not _opens_clause(low, at):
                        continue  # "should" inside a clause is advice, not a condition
                    has_condition = True
                append((kind, value, at, end))
            else:
                append(("REF", "", at, end))
                if "." in g:  # "u.n. charter": a full stop inside still ends a sentence
                    for e in _ENDS.finditer(low, at):
                        if e.start() >= end:
                            break
                        append(("END", e.group(), e.start(), e.end()))
        # Commas matter only for where a condition ends: skip them when there is none.
        commas.append([m.start() for m in _COMMA.finditer(low)] if has_condition else [])
    return out, commas


def _read(text: str, low: str, parsed: list[Any], commas: list[int] = (),
          words: set[str] | None = None) -> _Reading:
    """Interpret one provision's parse: sentences, duties (modal + who), conditions, timing, references.

    ``words`` (from :func:`_words`), when given, tells whether the text names any state at all.
    """
    vocab = vocabulary()
    may_name = words is None or not vocab.party_words.isdisjoint(words)
    # Sentences as three parallel lists: where each starts and ends, and its
    # tokens (kind, value, start, end in the provision text).
    starts: list[int] = []
    ends: list[int] = []
    sentence_tokens: list[list[tuple[str, str, int, int]]] = []
    pos = 0
    for child in parsed:
        if child[0] == "PROV":  # the provision's marker (the grammar's other results are pairs)
            continue
        shape, toks = child
        end = toks[-1][3] if toks else pos
        if shape == "last":
            end = len(text)
        starts.append(pos)
        ends.append(end)
        sentence_tokens.append(toks)
        pos = end
    if commas:
        # Commas are not grammar tokens (they would double the parser's work);
        # put them back where they belong (both lists are sorted: one pass).
        k = 0
        for si, end in enumerate(ends):
            first = k
            while k < len(commas) and commas[k] < end:
                k += 1
            inside = [("COMMA", ",", c, c + 1) for c in commas[first:k] if c >= starts[si]]
            if inside:
                merged = sentence_tokens[si] + inside
                merged.sort(key=_THIRD)  # two sorted runs: timsort merges them in one pass
                sentence_tokens[si] = merged
    if not starts:
        starts.append(0)
        ends.append(len(text))
        sentence_tokens.append([])
    duties: list[_Duty] = []
    conditions: list[tuple[int, int, int]] = []
    timing: list[tuple[int, int, int]] = []
    references: list[tuple[str, bool, int, int, int]] = []
    # An imperative bullet: "Immediately provide ...", "Not sign ...", "Aim for ...".
    first = _LEAD_WORD.search(low, 0, 60)
    lead = (_LEAD_WORD.findall(low, 0, 60)
            if first is not None and first.group() in vocab.imperative_openers else [])
    imperative = None
    for i, w in enumerate(lead[:3]):
        if w in ("not", "never") and i + 1 < len(lead) and lead[i + 1] in vocab.imperative_verbs:
            imperative = "prohibition"
            break
        if w in vocab.imperative_verbs:
            imperative = "aspiration" if w in vocab.aspiration_verbs else "obligation"
            break
        if w not in vocab.imperative_adverbs:
            break
    if imperative and text[:1].isupper():
        first_end = re.match(r"\S+(?:\s+\S+)?", text)
        duties.append((imperative, ["all"], 0, first_end.end() if first_end else 0, 0))
    for si, toks in enumerate(sentence_tokens):
        if len(toks) < 2 and (not toks or toks[0][0] == "END"):
            continue  # a sentence of no words that matter ("See Annex I.")
        actor: Optional[tuple[str, int]] = None
        cond_at: Optional[int] = None  # start of the open condition
        cond_kind = ""  # leading (before the main clause), inner (after a modal), trailing
        seen_modal = False
        skip_comma = False
        skipped_commas: set[int] = set()
        if si == 0 and duties and duties[0][2] == 0:
            seen_modal = True  # an imperative bullet: its verb is the main clause
        for k, (kind, value, a, b) in enumerate(toks):
            if kind == "COND":
                if cond_at is not None:
                    conditions.append((cond_at, a, si))
                cond_at = a
                prev = toks[k - 1] if k else None
                if not seen_modal:
                    cond_kind = "leading"
                elif prev is not None and prev[0] == "COMMA" and k >= 2 and toks[k - 2][0] == "MODAL":
                    cond_kind = "inner"
                else:
                    cond_kind = "trailing"
                # "whenever, in the opinion of any of them, ..." : a parenthesis right after the word
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                skip_comma = bool(nxt and nxt[0] == "COMMA" and len(low[b:nxt[2]].split()) <= 1)
            elif kind == "ACTOR":
                if cond_at is None:
                    actor = (value, a)
            elif kind == "MODAL":
                if cond_at is not None and cond_kind != "trailing":
                    conditions.append((cond_at, a, si))
                    cond_at = None
                seen_modal = True
                bound = [actor[0]] if actor else _named_actor(text, low, starts[si], a) if may_name else []
                duties.append((value, bound, a, b, si))
            elif kind == "COMMA":
                if cond_at is None or a in skipped_commas:
                    continue
                if skip_comma:
                    # the comma that opens the parenthesis; the one that closes it comes next
                    skip_comma = False
                    nxt_comma = next((t for t in toks[k + 1:k + 40] if t[0] == "COMMA"), None)
                    if nxt_comma is not None:
                        skipped_commas.add(nxt_comma[2])
                    continue
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                following = _NEXT_WORD.match(low, b)
                word = following.group(1) if following else ""
                if cond_kind == "inner" or (cond_kind == "leading" and (
                        nxt is None or nxt[0] in ("ACTOR", "MODAL", "TIME") or _clause_starts(low, b))) or (
                        cond_kind == "trailing" and word in _TRAILING_STOPS):
                    conditions.append((cond_at, a, si))
                    cond_at = None
            elif kind == "TIME":
                timing.append((a, b, si))
            elif kind == "REF":
                for pattern, name, basis in vocab.references:
                    m = pattern.match(low, a)
                    if m and m.end() == b:
                        if "{n}" in name:
                            name = name.replace("{n}", m.group("n"))
                        references.append((name, basis, a, b, si))
                        break
        if cond_at is not None:
            end = toks[-1][2] if toks and toks[-1][0] == "END" else ends[si]
            conditions.append((cond_at, end, si))
    return _Reading(text, low, starts, duties, conditions, timing, references)


# Words after a comma that end a condition standing after the main clause
# ("... if either side is in a state of war, in line with Article 51 ...").
_TRAILING_STOPS = frozenset("in which including as with according pursuant subject without having such "
                            "provided whereby while".split())

_MAIN_CLAUSE = re.compile(r"\s*(?:the|each|either|both|it|they|such|that|this|all|any|[a-z]+\s+(?:shall|will|may))\b")


def _clause_starts(low: str, pos: int) -> bool:
    return bool(_MAIN_CLAUSE.match(low, pos))


def _named_actor(text: str, low: str, start: int, modal_at: int) -> list[str]:
    """A state named just before a modal ("The United States shall ...")."""
    begin = max(start, modal_at - 80)
    window = text[begin:modal_at]
    lowered = low[begin:modal_at]  # the classifier's lower case (same length as the text)
    if window == lowered:  # no capital letter, so no name
        return []
    vocab = vocabulary()
    if vocab.party_words.isdisjoint(_WORD_RE.findall(lowered)):
        return []
    found = [m for m in vocab.party_name_re.finditer(window)]
    if not found:
        return []
    name = found[-1].group(1)
    code = vocab.name_codes.get(_name_key(name)) or vocab.name_codes.get(" ".join(name.lower().split()))
    return [code] if code else []




# ---------------------------------------------------------------------- typing

@dataclass(slots=True)
class _Hit:
    rule: _Rule
    start: int
    end: int


# Bytes other than a-z, to spaces: bytes.translate is a table lookup per byte,
# several times faster than str.translate.
_NOT_LETTER = bytes(c if 0x61 <= c <= 0x7A else 0x20 for c in range(256))


def _words(low: str) -> set[str]:
    """The words of a text that some rule names, or that are a state name's key word."""
    # Only words some rule or name needs can matter: intersecting with them
    # spares building a set of every word of the text.
    if low.isascii():
        return vocabulary().known_words.intersection(low.encode().translate(_NOT_LETTER).decode().split())
    return vocabulary().known_words.intersection(_WORD_RE.findall(low))


_EXCEPT_REACH = 400  # characters: longer than any exception phrase before its hit, gaps included


def _excepted(rule: _Rule, low: str, start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of the rule's exceptions ("except" in clauses.yaml)."""
    assert rule.unless is not None
    for needle in rule.unless_needles:
        if needle in low:
            break
    else:
        return False  # no exception can occur in this text
    # An exception holding the hit starts at most a few gaps of words before it
    # and may run on past it; the first one to start after the hit ends the search.
    for m in rule.unless.finditer(low, max(0, start - _EXCEPT_REACH)):
        if m.start() > start:
            break
        if end <= m.end():
            return True
    return False


def _hits(low: str, words: set[str] | None = None) -> list[_Hit]:
    """Every rule that fires on a provision, with where it first fires."""
    vocab = vocabulary()
    if words is None:
        words = _words(low)
    candidates: list[tuple[_Rule, _Phrase, frozenset[str]]] = []
    for key in words.intersection(vocab.index_keys):  # set & frozenset: iterates the smaller one
        candidates.extend(vocab.index[key])
    for key in vocab.prefix_keys:
        if key in low:
            candidates.extend(vocab.index_prefixes[key])
    # Stems (first letters, "attac" of "attack*") are looked for as substrings,
    # only when a phrase needs them; a stem inside a word passes too: this only
    # chooses which rules to try, and the rule's own regex decides.
    stems: dict[str, bool] = {}
    best: dict[int, _Hit] = {}
    for rule, phrase, rest in candidates:
        if rest and not rest <= words:  # a phrase of one word found by it has nothing left to check
            continue
        if phrase.prefixes:
            missing = False
            for stem in phrase.prefixes:
                present = stems.get(stem)
                if present is None:
                    present = stems[stem] = stem in low
                if not present:
                    missing = True
                    break
            if missing:
                continue
        search = phrase.pattern.search
        m = search(low)
        if m is None:
            continue
        start = m.start()
        while (start and (low[start - 1].isalnum() or low[start - 1] in "_-")) or (
                rule.unless is not None and _excepted(rule, low, start, m.end())):
            # inside a word ("aggression" in "non-aggression") or an exception: look further on
            m = search(low, start + 1)
            if m is None:
                break
            start = m.start()
        if m is None:
            continue
        hit = best.get(rule.order)
        # The first place a rule fires, and there its longest phrase: the same
        # whatever order the phrases were tried in.
        if hit is None or start < hit.start or (start == hit.start and m.end() > hit.end):
            best[rule.order] = _Hit(rule, start, m.end())
    hits = list(best.values())
    hits.sort(key=lambda h: (h.start, h.rule.order))  # deterministic whatever the set order
    return hits


_BACKGROUND_END = re.compile(r",\s*(?=to\s|and\s+to\s)|[;.:](?:\s|$)")


def _background(low: str, words: set[str] | None = None) -> list[tuple[int, int, int]]:
    """Stretches giving the manner or basis of a duty (see ``background`` in clauses.yaml)."""
    out: list[tuple[int, int, int]] = []
    vocab = vocabulary()
    if words is not None and vocab.background_words.isdisjoint(words):
        return out
    for word, suffix, prefix in vocab.background:
        if words is not None and word not in words:
            continue
        for m in suffix.finditer(low):
            start = m.start()
            if prefix is not None:
                before = low[max(0, start - 40):start]
                p = prefix.search(before)
                if p is None:
                    continue
                start -= len(before) - p.start()
            elif start and low[start - 1].isalnum():
                continue
            end = _BACKGROUND_END.search(low, m.end(), m.end() + 300)
            out.append((start, end.start() if end else min(len(low), m.end() + 300), -1))
    out.sort()
    return out


def _pivoted(phrase: str) -> tuple[str, re.Pattern[str], Optional[re.Pattern[str]]]:
    """Split a plain phrase at its longest word: a regex that starts with that word (the
    regex engine then scans for a literal, fast) and one for the words before it."""
    words = phrase.lower().split()
    pivot = max(range(len(words)), key=lambda i: len(words[i]))
    suffix = re.compile(r"\s+".join(map(re.escape, words[pivot:])) + r"(?![\w])")
    prefix = (re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, words[:pivot])) + r"\s+\Z")
              if pivot else None)
    return words[pivot], suffix, prefix


def _types(hits: list[_Hit], secondary: list[tuple[int, int, int]] = ()) -> list[str]:
    """Clause types from rule hits; hits inside conditions or background spans count half outside defence."""
    if not hits:
        return []
    vocab = vocabulary()
    scores: dict[str, float] = {}
    discount_when = vocab.discount_when
    discounted = False
    for hit in hits:
        if hit.rule.id in discount_when:
            discounted = True
            break
    for hit in hits:
        rule = hit.rule
        weight = rule.weight
        if secondary and rule.type != "defence":
            start = hit.start
            for a, b, _s in secondary:
                if a <= start < b:
                    weight = weight // 2
                    break
        if discounted and rule.id in vocab.discount_rules:
            weight = 0
        scores[rule.type] = scores.get(rule.type, 0) + weight
    best = max(scores.values())
    if best < vocab.threshold:
        return []
    floor = max(vocab.threshold, vocab.ratio * best)
    if len(scores) == 1:  # most provisions: one type scored
        (only, score), = scores.items()
        return [only] if only in CLAUSE_TYPES and score >= floor else []
    chosen = [t for t in CLAUSE_TYPES if scores.get(t, 0) >= floor]
    chosen.sort(key=lambda t: (-scores[t], CLAUSE_TYPES.index(t)))
    return chosen


# ---------------------------------------------------------------------- defence attributes

def _needed_literals(pattern: str) -> Optional[tuple[str, ...]]:
    """Strings one of which every match of ``pattern`` contains, or None when no such set is clear.

    Read off the parsed regex: a run of literal characters, an alternation of
    such requirements, a group or a repeat that must occur at least once;
    the most selective one (longest shortest string) is kept.
    """
    try:
        from re import _constants as sre_c, _parser as sre_parse  # Python 3.11 and later
    except ImportError:  # pragma: no cover - older Pythons
        try:
            import sre_constants as sre_c  # type: ignore[no-redef]
            import sre_parse  # type: ignore[no-redef]
        except ImportError:
            return None
    try:
        parsed = sre_parse.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
    except Exception:  # noqa: BLE001 - an unreadable pattern just gets no shortcut
        return None

    def need(items: Any) -> Optional[frozenset[str]]:
        options: list[frozenset[str]] = []
        run: list[str] = []
        for op, arg in list(items) + [(None, None)]:
            if op is sre_c.LITERAL:
                run.append(chr(arg))
                continue
            if len(run) >= 3:
                options.append(frozenset(["".join(run)]))
            run = []
            if op is sre_c.SUBPATTERN:
                sub = need(arg[-1])
            elif op is sre_c.BRANCH:
                alts = [need(alt) for alt in arg[1]]
                sub = None if any(a is None for a in alts) else frozenset().union(*alts)
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and arg[0] >= 1:
                sub = need(arg[2])
            else:
                sub = None
            if sub:
                options.append(sub)
        options = [o for o in options if min(map(len, o)) >= 3]
        return max(options, key=lambda o: (min(map(len, o)), -len(o))) if options else None

    found = need(parsed)
    return tuple(sorted(found)) if found else None


class _Prefiltered:
    """A compiled regex behind a substring test: when none of the strings every
    match must contain is in the text, the regex (which these patterns, opening
    with ``\\b`` or alternations, make scan position by position) is not run."""

    __slots__ = ("regex", "needs")

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.needs = _needed_literals(pattern)

    def _may_match(self, text: str, pos: int, endpos: int) -> bool:
        if self.needs is None:
            return True
        if pos <= 0 and endpos >= len(text):
            return any(n in text for n in self.needs)
        return any(text.find(n, pos, endpos) >= 0 for n in self.needs)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Optional[re.Match[str]]:
        return self.regex.search(text, pos, endpos) if self._may_match(text, pos, endpos) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, pos, endpos) if self._may_match(text, pos, endpos) else iter(())


@functools.lru_cache(maxsize=1)
def _defence_vocab() -> dict[str, Any]:
    """The defence patterns of grammar/vocab/defence.yaml, compiled (behind substring tests)."""
    data = load_data("vocab/defence.yaml")
    pre = _Prefiltered
    return {
        "triggers": {name: pre(rx) for name, rx in data["triggers"].items()},
        "attack_triggers": tuple(data["attack_triggers"]),
        "threat_triggers": tuple(data["threat_triggers"]),
        "assist": pre(data["assist"]),
        "consult": pre(data["consult"]),
        "negated": pre(data["negated"]),
        "military": pre(data["assistance"]["military"]),
        "other": pre(data["assistance"]["other"]),
        "means": [(name, pre(rx)) for name, rx in data["means"].items()],
        "discretion": pre(data["discretion"]),
        "non_aggression": pre(data["non_aggression"]),
        "non_aggression_promise": pre(data["non_aggression_promise"]),
        "neutrality": pre(data["neutrality"]),
        "conflict": pre(data["conflict"]),
        "law_of_war": pre(data["law_of_war"]),
        "offence": pre(data["offence"]),
        "scope": re.compile(data["scope"]),  # read on the original case: no shortcut
    }


# ---------------------------------------------------------------------- clause building

class _Ev:
    """Collects evidence for one clause, mapping provision offsets to original spans."""

    __slots__ = ("locate", "fallback", "items", "seen")

    def __init__(self, locate: Any, fallback: Span) -> None:
        self.locate = locate
        self.fallback = fallback
        self.items: list[dict[str, Any]] = []  # validated with the clause, in one go
        self.seen: set[tuple[str, int]] = set()

    def add(self, rule: str, text: str, start: int, end: int) -> None:
        key = (rule, start)
        if key in self.seen:
            return
        self.seen.add(key)
        span = self.locate(start, end) if self.locate else None
        self.items.append({"rule": rule, "text": text[start:end], "span": span or self.fallback})


# At most this many conditions and references are listed per clause.
_MAX_LISTED = 20


def _anchor_sentence(reading: _Reading, hits: list[_Hit]) -> int:
    if len(reading.starts) == 1:  # most provisions: nothing to weigh
        return 0
    counts: dict[int, int] = {}
    for hit in hits:
        i = _sentence_of(reading, hit.start)
        counts[i] = counts.get(i, 0) + hit.rule.weight
    if not counts:
        return 0
    return max(counts, key=lambda i: (counts[i], -i))


def _common(reading: _Reading, hits: list[_Hit], ev: _Ev, clause_type: str) -> dict[str, Any]:
    text = reading.text
    si = _anchor_sentence(reading, hits)
    duties = [d for d in reading.duties if d[4] == si] or reading.duties
    duty = duties[0] if duties else None
    # An imperative bullet speaks for the whole item.
    if reading.duties and reading.duties[0][2] == 0 and reading.duties[0][1] == ["all"]:
        duty = reading.duties[0]
    if duty:
        modality, bound, start, end, _sentence = duty
        out: dict[str, Any] = {"modality": modality, "bound": list(bound)}
        ev.add(f"modality.{modality}", text, start, end)
    else:
        out = {"modality": None, "bound": []}
    conds: dict[str, None] = {}
    for a, b, _s in reading.conditions:
        cond = " ".join(text[a:b].split()).strip(" ,;.")
        if cond and cond not in conds:
            conds[cond] = None
            ev.add("condition", text, a, b)
            if len(conds) >= _MAX_LISTED:
                break  # a provision with more conditions is a list, not a clause; keep the first ones
    out["conditions"] = list(conds)
    if reading.timing:
        out["timing"] = "immediate"
        a, b, _s = reading.timing[0]
        ev.add("timing.immediate", text, a, b)
    refs: dict[str, None] = {}
    for name, _basis, a, b, _s in reading.references:
        if name not in refs and len(refs) < _MAX_LISTED:
            refs[name] = None
            ev.add(f"reference.{name}", text, a, b)
    out["references"] = list(refs)
    for hit in hits:
        if hit.rule.type == clause_type:
            ev.add(hit.rule.id, text, hit.start, hit.end)
    return out


def _sentence_of(reading: _Reading, pos: int) -> int:
    starts = reading.starts
    return max(0, bisect.bisect_right(starts, pos) - 1)


def _defence(reading: _Reading, hits: list[_Hit], ev: _Ev, base: dict[str, Any]) -> dict[str, Any]:
    low, text = reading.low, reading.text
    dv = _defence_vocab()
    triggers = dv["triggers"]
    found: dict[str, re.Match[str]] = {}
    threats = [m.span() for m in triggers["threat_of_aggression"].finditer(low)]
    threat_starts = [a for a, _b in threats]

    def in_threat(pos: int) -> bool:
        i = bisect.bisect_right(threat_starts, pos) - 1
        return i >= 0 and threats[i][0] <= pos < threats[i][1]

    for name, pattern in triggers.items():
        for m in pattern.finditer(low):
            # "a threat of armed invasion" is a threat, not an attack
            if name in dv["attack_triggers"] and in_threat(m.start()):
                continue
            found[name] = m
            break
    obligations: list[str] = []
    prohibited = base.get("modality") == "prohibition"
    attack = next((t for t in dv["attack_triggers"] if t in found), None)
    threat = next((t for t in dv["threat_triggers"] if t in found), None)
    assist = dv["assist"].search(low)
    consult = dv["consult"].search(low)
    trigger = None
    # Assistance is a defence obligation when an attack triggers it: the
    # attack and the promise of help stand in the same sentence.
    negated = {_sentence_of(reading, m.start()) for m in dv["negated"].finditer(low)}
    triggered = False
    if attack is not None and assist is not None:
        attack_sentences = {_sentence_of(reading, m.start()) for m in triggers[attack].finditer(low)
                            if not in_threat(m.start())} - negated
        triggered = any(_sentence_of(reading, m.start()) in attack_sentences for m in dv["assist"].finditer(low))
    if consult is not None:
        consult = next((m for m in dv["consult"].finditer(low) if _sentence_of(reading, m.start()) not in negated),
                       None)
    if triggered and not prohibited and base.get("modality") in ("obligation", "aspiration", None):
        obligations.append("defence")
        trigger = attack
    if consult and (threat or attack) and not (attack and "defence" in obligations and not threat):
        obligations.append("consultation")
        trigger = trigger or threat or attack
        ev.add("obligation.consultation", text, consult.start(), consult.end())
    m = dv["non_aggression"].search(low)
    # The promise ("refrain from", "not") must govern the words, not stand anywhere
    # in a definition that mentions force ("... by means of the threat or use of force").
    if m and dv["non_aggression_promise"].search(low, max(0, m.start() - 100), m.end() + 1):
        obligations.append("non_aggression")
        ev.add("obligation.non_aggression", text, m.start(), m.end())
    m = dv["neutrality"].search(low)
    if m and dv["conflict"].search(low):
        obligations.append("neutrality")
        ev.add("obligation.neutrality", text, m.start(), m.end())
    m = dv["offence"].search(low)
    if m:
        obligations.append("offence")
        ev.add("obligation.offence", text, m.start(), m.end())
    if trigger is None:
        trigger = attack or threat
    if trigger and trigger in found:
        ev.add(f"trigger.{trigger}", text, found[trigger].start(), found[trigger].end())
    assistance: list[str] = []
    means = None
    for kind in ("military", "other") if "defence" in obligations else ():
        m = dv[kind].search(low)
        if m:
            assistance.append(kind)
            ev.add(f"assistance.{kind}", text, m.start(), m.end())
    for name, pattern in dv["means"] if "defence" in obligations else ():
        m = pattern.search(low)
        if m:
            means = name
            ev.add(f"means.{name}", text, m.start(), m.end())
            break
    automatic = None
    if "defence" in obligations:
        if dv["discretion"].search(low):
            automatic = False
        elif base.get("timing") == "immediate":
            automatic = True
    scope = None
    if "defence" in obligations and attack in found:
        window_start = found[attack].end()
        m = dv["scope"].search(text, window_start, min(len(text), window_start + 120))
        if m:
            scope = " ".join(m.group(0).split())
            ev.add("scope", text, m.start(), m.end())
    legal_basis = [name for name, basis, *_ in reading.references if basis]
    topics = sorted({h.rule.topic for h in hits if h.rule.type == "defence"})
    if dv["law_of_war"].search(low):
        obligations = []  # conduct of hostilities, not an alliance commitment
    return dict(type="defence", obligations=[o for o in OBLIGATIONS if o in obligations], trigger=trigger,
                assistance=assistance, means=means, automatic=automatic, scope=scope,
                legal_basis=list(dict.fromkeys(legal_basis)), topics=topics, **base)


def _facets(hits: list[_Hit], clause_type: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for hit in hits:
        if hit.rule.type == clause_type:
            out.setdefault(hit.rule.facet, [])
            if hit.rule.topic not in out[hit.rule.facet]:
                out[hit.rule.facet].append(hit.rule.topic)
    return out


@functools.lru_cache(maxsize=1)
def _clause_list() -> TypeAdapter:
    return TypeAdapter(list[Clause])


@functools.lru_cache(maxsize=1)
def _spelling() -> tuple[re.Pattern[str], dict[str, str]]:
    variants = {str(k).lower(): str(v).lower() for k, v in load_data("vocab/spelling.yaml")["variants"].items()}
    for k, v in variants.items():
        if len(k) != len(v):
            raise ValueError(f"spelling variant {k!r} -> {v!r}: both must have the same length")
    variants = {k: v for k, v in variants.items() if k != v}
    if any(not k.isalpha() for k in variants):
        raise ValueError("spelling variants are single words")
    # Run over " " + text: the character taken before a variant stands for a
    # look-behind, and lets the regex engine skip to non-letters (a pattern
    # opening with a look-behind is tried at every position).  The trie tries
    # longer variants first, as the list sorted by length did.
    return re.compile(r"[^a-z](?:" + _trie_regex(variants) + r")(?![a-z])"), variants


@functools.lru_cache(maxsize=1)
def _spelling_hints() -> tuple[str, ...]:
    """A few substrings one of which every variant holds ("ize", "ense" ...), picked greedily.

    Most provisions hold none of them; testing a handful of substrings is a fast
    memory scan, where the variants' regex would try a match at every letter.
    """
    _pattern, variants = _spelling()
    left = set(variants)
    hints: list[str] = []
    while left:
        counts: dict[str, int] = {}
        for word in left:
            for size in range(3, 7):
                for sub in {word[i:i + size] for i in range(len(word) - size + 1)}:
                    counts[sub] = counts.get(sub, 0) + 1
        if not counts:  # a variant of fewer than three letters: look for it whole
            hints.extend(sorted(left))
            break
        best = max(counts, key=lambda sub: (counts[sub], len(sub), sub))
        hints.append(best)
        left = {word for word in left if best not in word}
    return tuple(hints)


def _lower(text: str) -> str:
    """The text the classifier reads: lower case, one spelling (same length as ``text``)."""
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lower-cased
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for hint in _spelling_hints():
        if hint in low:
            pattern, variants = _spelling()
            return pattern.sub(lambda m: m.group()[0] + variants[m.group()[1:]], " " + low)[1:]
    return low


def _inside(pos: int, stretches: list[tuple[int, int, int]]) -> bool:
    for a, b, _s in stretches:
        if a <= pos < b:
            return True
    return False


def _outside(hits: list[_Hit], low: str, stretches: list[tuple[int, int, int]]) -> list[_Hit]:
    """Move each hit that fell inside a condition or background stretch to the rule's
    first place outside them, where there is one.

    "If a dispute arises about the interpretation of this Agreement, the Parties
    shall settle it by arbitration": the rule speaks in the main clause too, and
    there it counts whole (and is the evidence a reader wants to see).
    """
    moved = False
    for i, hit in enumerate(hits):
        rule = hit.rule
        if rule.type == "defence" or not _inside(hit.start, stretches):
            continue  # defence reads its trigger in conditions; nothing to move
        best: Optional[tuple[int, int]] = None
        for phrase in rule.phrases:
            for m in phrase.pattern.finditer(low):
                start = m.start()
                if best is not None and start > best[0]:
                    break
                if start and (low[start - 1].isalnum() or low[start - 1] in "_-"):
                    continue  # inside a word, as in _hits
                if rule.unless is not None and _excepted(rule, low, start, m.end()):
                    continue
                if not _inside(start, stretches):
                    # the first place, and there the longest phrase, as in _hits
                    if best is None or start < best[0] or m.end() > best[1]:
                        best = (start, m.end())
                    break
        if best is not None:
            hits[i] = _Hit(rule, best[0], best[1])
            moved = True
    if moved:
        hits.sort(key=lambda h: (h.start, h.rule.order))
    return hits


def _clauses(node: Node, reading: _Reading, locate: Any, words: set[str] | None = None) -> list[Any]:
    if words is None:
        words = _words(reading.low)
    hits = _hits(reading.low, words)
    types: list[str] = []
    if hits:
        secondary = reading.conditions + _background(reading.low, words)
        if secondary:
            hits = _outside(hits, reading.low, secondary)
        types = _types(hits, secondary)
    clauses: list[Any] = []
    for clause_type in types or ["unclassified"]:
        ev = _Ev(locate, node.span)
        relevant = [h for h in hits if h.rule.type == clause_type]
        base = _common(reading, relevant, ev, clause_type)
        if clause_type == "defence":
            clause = _defence(reading, relevant, ev, base)
        else:
            clause = dict(type=clause_type, **_facets(relevant, clause_type), **base)
        clause["evidence"] = ev.items
        clauses.append(clause)
    # One validation per provision (pydantic-core builds the nested models far
    # faster than model constructors called one by one).
    return _clause_list().validate_python(clauses)


# ---------------------------------------------------------------------- agreement level

def classify(agreement: Agreement) -> Agreement:
    """Add clauses to every provision, party codes and the ATOP profile (in place; returns it)."""
    # One walk: the provisions, and every node that holds clauses in document
    # order (the provisions, once classified, and any other node given clauses
    # before), which the profile is read from.
    provisions: list[Node] = []
    holders: list[Node] = []
    for node in agreement.walk():
        if node.provision:
            provisions.append(node)
            holders.append(node)
        elif node.clauses:
            holders.append(node)
    locator = agreement._locator
    if provisions:
        if locator is not None:
            pieces = [locator.text_and_segments(p) for p in provisions]
            texts = [text for text, _segments in pieces]
            locates = [functools.partial(locator.span, segments) for _text, segments in pieces]
        else:
            texts = [p.full_text() for p in provisions]
            locates = [None] * len(provisions)
        lows = [_lower(text) for text in texts]
        tokens, commas = _tokens(lows)
        driver = _provision_driver()
        parsed = driver.run(tokens, _KIND) if driver is not None else None
        if parsed is None:  # another Lark's internals, or a token the grammar rejects: Lark's own loop
            parsed = provision_parser().parse([_Tok(t) for t in tokens])
        for node, text, low, prov, where, locate in zip(provisions, texts, lows, parsed, commas, locates):
            words = _words(low)
            reading = _read(text, low, prov, where, words)
            node.clauses = _clauses(node, reading, locate, words)
    agreement.party_codes = _party_codes(agreement)
    agreement.profile = _profile((clause for node in holders for clause in node.clauses), agreement.party_codes)
    return agreement


def _party_codes(agreement: Agreement) -> list[str]:
    codes: list[str] = []
    for name in agreement.parties:
        code = party_code(name)
        if code and code not in codes:
            codes.append(code)
    if codes or agreement.mode != "prose":
        return codes
    # A news report names no parties: count the states mentioned around its
    # provisions (the title and the paragraphs before the first provision).
    provisions = agreement.provisions()
    if not provisions:
        return codes
    first = provisions[0]
    before = [n for n in agreement.nodes if n.span.start < first.span.start and n.kind in ("text", "paragraph")]
    window = " ".join(n.text for n in before[-6:]) + " " + (agreement.title or "")
    vocab = vocabulary()
    counts: dict[str, int] = {}
    for m in _compiled(vocab.party_mentions).finditer(window):
        code = vocab.mention_codes.get(_name_key(m.group(1)))
        if code:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return codes
    top = max(counts.values())
    return [c for c, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n * 2 >= top]


def profile(agreement: Agreement) -> Profile:
    """The five ATOP obligations of the agreement, and which party carries which."""
    return _profile((clause for _node, clause in agreement.clauses()), agreement.party_codes)


def _profile(clauses: Iterable[Any], parties: list[str]) -> Profile:
    """:func:`profile` of these clauses (in document order: it decides the order of ``by_party``)."""
    result = Profile()
    by_party: dict[str, list[str]] = {}
    for clause in clauses:
        if clause.type != "defence":
            continue
        for obligation in clause.obligations:
            setattr(result, obligation, True)
            carriers = [b for b in clause.bound if len(b) == 3 and b.isupper()] or list(parties)
            if obligation == "defence" and clause.scope and len(carriers) > 1:
                # Defending one's own territory is no alliance commitment: a party
                # whose territory is the scope does not carry the obligation.
                own = party_code(clause.scope)
                if own in carriers:
                    carriers = [c for c in carriers if c != own]
            for code in carriers:
                by_party.setdefault(code, [])
                if obligation not in by_party[code]:
                    by_party[code].append(obligation)
    result.by_party = {code: [o for o in OBLIGATIONS if o in obs] for code, obs in by_party.items()}
    return result


def explain_rows(agreement: Agreement) -> list[dict[str, Any]]:
    """Per provision: id, line, types and the words that decided them (for ``treaty explain``)."""
    rows = []
    for node in agreement.provisions():
        rows.append({
            "id": node.id, "line": node.span.line, "text": node.full_text(),
            "clauses": [{"type": c.type, "modality": c.modality,
                         "obligations": getattr(c, "obligations", []),
                         "evidence": [(e.rule, e.text) for e in c.evidence]} for c in node.clauses],
        })
    return rows
