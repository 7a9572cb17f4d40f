"""Typed clauses: table-driven provisions, held-out alliance treaties, the gold files, properties."""

from __future__ import annotations

import re
from pathlib import Path

import lark
import pytest
from hypothesis import given, strategies as st

import treaty
from treaty.classify import compile_phrase, party_code
from treaty.evaluate import evaluate_dir, totals

from .conftest import EXAMPLES, SHARED


def clauses(text: str) -> dict[str, dict]:
    """Clauses of a one-provision text, by type (evidence left out)."""
    agreement = treaty.parse(text)
    (node,) = agreement.provisions()
    return {c.type: c.model_dump(exclude={"evidence", "type"}) for c in node.clauses}


# --- types (one provision each; bullets of an article-less text are provisions) -------------

TYPES = [
    ("Article 1\n\nThe Parties shall expand trade and investment and reduce customs duties.\n", {"trade"}),
    ("Article 1\n\nThe Parties shall cooperate in the fight against terrorism, money laundering and "
     "drug trafficking.\n", {"legal"}),
    ("Article 1\n\nThe Parties shall cooperate on information security and combat disinformation in the "
     "media.\n", {"information"}),
    ("Article 1\n\nThe Parties shall respect each other's sovereignty and territorial integrity and shall "
     "not interfere in each other's internal affairs.\n", {"political"}),
    ("Article 1\n\nThe Parties shall promote exchanges in education, culture, health and sport.\n", {"social"}),
    ("Article 1\n\nThis Agreement shall enter into force on the date of the last notification and shall "
     "remain in force for a period of ten years.\n", {"procedural"}),
    ("Article 1\n\nAny dispute concerning the interpretation or application of this Agreement shall be "
     "submitted to an arbitral tribunal.\n", {"procedural"}),
    # dispute settlement said by its main clause, after a condition naming the dispute
    ("Article 1\n\nShould a disagreement arise on the meaning of this Agreement, the Parties shall first "
     "endeavour to settle it by consultations.\n", {"procedural"}),
    ("Article 1\n\nAt the request of either Party, a conciliation commission of three members shall be "
     "set up.\n", {"procedural"}),
    ("Article 1\n\nThis Convention shall cease to have effect when fewer than three States remain bound "
     "by it.\n", {"procedural"}),
    ("Article 1\n\nThe two annexes to this Agreement form an integral part of it.\n", {"procedural"}),
    # "integral part" is about annexes only when an annex is named
    ("Article 1\n\nTrade in services is an integral part of the economic relations between the "
     "Parties.\n", {"trade"}),
    # "security" and "peace and security" alone decide nothing
    ("Article 1\n\nThe Parties shall promote peace and security.\n", {"unclassified"}),
    ("Article 1\n\nThe weather is fine and nothing is said.\n", {"unclassified"}),
    # ships and aircraft attacked are targets, not trade
    ("Article 6\n\nAn armed attack on one of the Parties includes an armed attack on its vessels or "
     "aircraft.\n", {"defence"}),
    # a rule whose first words stand in the condition counts whole where it speaks again in the main clause
    ("Article 1\n\nIf a dispute about the interpretation or application of this Agreement cannot be "
     "settled by negotiation, it shall be submitted to arbitration.\n", {"procedural"}),
    # arms control and the status of armed forces are defence
    ("Article 1\n\nIt is prohibited to employ laser weapons designed to cause permanent blindness.\n",
     {"defence"}),
    ("Article 1\n\nMembers of a visiting force shall respect the law of the receiving State.\n", {"defence"}),
    # entry and stay of foreigners, and judicial cooperation, are legal
    ("Article 1\n\nHolders of valid national passports may enter without a visa for up to three months.\n",
     {"legal"}),
    ("Article 1\n\nEach Contracting State shall designate a Central Authority to receive requests for "
     "service.\n", {"legal"}),
    # tax, procurement and imports are trade
    ("Article 1\n\nGains from the alienation of immovable property may be taxed in the State in which "
     "the property is situated.\n", {"trade"}),
    ("Article 1\n\nA procuring entity shall publish a notice of intended procurement.\n", {"trade"}),
    ("Article 1\n\nGoods imported into either country shall not bear other or higher duties or "
     "charges.\n", {"trade"}),
    # labour conditions and the environment are social
    ("Article 1\n\nWorkers shall be granted a weekly rest of at least twenty-four hours.\n", {"social"}),
    ("Article 1\n\nThe Parties shall prohibit the dumping of wastes at sea.\n", {"social"}),
    # the machinery of the treaty and its relation to others are procedural
    ("Article 1\n\nUnless the parties decide otherwise, the tribunal shall determine its own procedure.\n",
     {"procedural"}),
    ("Article 1\n\nThis Convention shall supersede the Convention of 1929 between the Parties to both.\n",
     {"procedural"}),
    # words political rules once took alone: a uniform-law title, the parties' relations under a
    # treaty, an arbitrator's independence
    ("Article 1\n\nThis Protocol applies the Convention for the Unification of Certain Rules "
     "relating to carriage.\n", {"unclassified"}),
    ("Article 1\n\nThe provisions of this Convention govern the relations between the Parties to it.\n",
     {"unclassified"}),
    ("Article 1\n\nThe arbitrator shall act with complete independence.\n", {"procedural"}),
    # persons, courts and private law are legal
    ("Article 1\n\nThe Council, its property and assets shall enjoy immunity from every form of legal "
     "process.\n", {"legal"}),
    ("Article 1\n\nThe Parties shall facilitate the entry, stay and departure of the experts.\n", {"legal"}),
    ("Article 1\n\nThe Contracting States shall issue travel documents to refugees lawfully staying in their "
     "territory.\n", {"legal"}),
    ("Article 1\n\nThe rights set forth in this Convention shall be secured without discrimination on any "
     "ground such as sex, race, colour, language or religion.\n", {"legal"}),
    ("Article 1\n\nA panel of five judges shall decide whether to accept the request for an advisory "
     "opinion.\n", {"legal"}),
    ("Article 1\n\nThe carrier shall be liable for the loss of or damage to the goods.\n", {"legal", "trade"}),
    ("Article 1\n\nThe Court shall not release persons in its custody without the consent of the host "
     "State.\n", {"legal"}),
    # custody of property is not custody of persons
    ("Article 1\n\nThe duplicate bonds remaining in the custody of the Custodian shall be delivered to the "
     "Government.\n", {"trade"}),
    # safety of people, and information passed between authorities
    ("Article 1\n\nEach Party shall take appropriate measures to ensure the safety of life at sea.\n",
     {"social"}),
    ("Article 1\n\nThe competent authority shall communicate the information referred to in Article 3 to "
     "the competent authority of the other State.\n", {"information"}),
    # a treaty's bodies: their procedures decide, their names alone do not
    ("Article 1\n\nThe Committee shall adopt its rules of procedure and meet at least once a year.\n",
     {"procedural"}),
    ("Article 1\n\nWhile attending meetings of the Council, representatives of Members shall enjoy the "
     "privileges and immunities necessary for their functions.\n", {"legal"}),
    ("Article 1\n\nThe competent authorities shall consult each other on all problems arising from the "
     "implementation of this Agreement.\n", {"procedural"}),
    # the same, with the exception running far past the words it excepts
    ("Article 1\n\nThe competent authorities shall consult each other on any extraordinarily complicated "
     "administrative, technical, organisational, practical and procedural problems arising in connection with "
     "the extraordinarily complicated administrative implementation of this Agreement.\n", {"procedural"}),
    ("Article 1\n\nThe aeronautical authorities shall consult each other from time to time with a view to "
     "ensuring the implementation of this Agreement.\n", {"procedural", "trade"}),
    # words final clauses use, met outside them: a definition, an approval, a territory as actor
    ("Article 1\n\nFor the purposes of this Agreement, the term \"vessel\" means any ship used for "
     "commercial fishing.\n", {"trade"}),
    ("Article 1\n\nThe prior approval of the aeronautical authorities shall be required for any change of "
     "tariffs.\n", {"trade"}),
    ("Article 1\n\nThe Government of Aruba shall take the measures necessary for the proper functioning of "
     "the customs service.\n", {"trade"}),
    ("Article 1\n\nThis Agreement shall apply to Aruba only if the Government of the Kingdom so "
     "notifies.\n", {"procedural"}),
    ("Article 1\n\nDefault of payment must be evidenced by an authentic act.\n", {"unclassified"}),
    ("Article 1\n\nThe present Agreement shall terminate one year after the receipt of notice to terminate.\n",
     {"procedural"}),
    # an organisation named after a topic is not that topic
    ("Article 1\n\nThe European Economic Community may become a Contracting Party to this Agreement by "
     "signing it.\n", {"procedural"}),
    ("Article 1\n\nThe ratifications of this Convention shall be communicated to the Director-General of the "
     "International Labour Office for registration.\n", {"procedural"}),
    ("Article 1\n\nThe Parties shall give one another every assistance to secure the abolition of slavery and "
     "the slave trade.\n", {"legal"}),
    # forces and arms control in their everyday words
    ("Article 1\n\nThe Host State shall settle all claims arising from acts of the military or civilian "
     "personnel of the Sending State.\n", {"defence"}),
    ("Article 1\n\nThe inspected State Party shall provide the inspection team with the equipment it "
     "needs.\n", {"defence"}),
]


@pytest.mark.parametrize("text,expected", TYPES)
def test_types(text: str, expected: set[str]) -> None:
    assert set(clauses(text)) == expected


def test_a_rule_does_not_fire_inside_its_exceptions() -> None:
    # "human rights" inside the court's name is not a statement on human rights;
    # the rule fires at the next place it speaks for itself.
    text = "Article 1\n\nThe European Court of Human Rights shall rule on the human rights of the applicant.\n"
    by_type = {c.type: c for c in treaty.parse(text).nodes[0].clauses}
    assert set(by_type) == {"legal", "political"}
    (evidence,) = [e for e in by_type["political"].evidence if e.rule == "political.human_rights"]
    assert evidence.span.slice(text) == "human rights" and evidence.span.start == text.index("the human") + 4
    assert set(clauses("Article 1\n\nThe applicant may apply to the European Court of Human Rights.\n")) == {"legal"}


def test_evidence_moves_out_of_the_condition() -> None:
    text = ("Article 1\n\nIf a dispute about the interpretation or application of this Agreement cannot be "
            "settled by negotiation, it shall be submitted to arbitration.\n")
    (clause,) = treaty.parse(text).nodes[0].clauses
    rule = [e for e in clause.evidence if e.rule == "procedural.dispute_settlement"]
    assert [e.text for e in rule] == ["arbitration"]
    assert rule[0].span.slice(text) == "arbitration"


# --- attributes --------------------------------------------------------------------------

MODALITY = [
    ("The Parties shall consult each other.", "obligation"),
    ("Each Party undertakes to inform the other.", "obligation"),
    ("Neither Party shall use force.", "obligation"),
    ("Each Party undertakes not to enter into any alliance directed against the other Party.", "prohibition"),
    ("The Parties shall not conclude treaties with a third state that harm the other.", "prohibition"),
    ("The Parties may invite other states to accede to this Treaty.", "permission"),
    ("The Parties shall endeavour to settle disputes by peaceful means.", "aspiration"),
]


@pytest.mark.parametrize("sentence,modality", MODALITY)
def test_modality(sentence: str, modality: str) -> None:
    found = clauses(f"Article 1\n\n{sentence}\n")
    assert {c["modality"] for c in found.values()} == {modality}


BOUND = [
    ("Each Contracting Party shall extradite offenders.", ["each"]),
    ("Either Party may terminate this Agreement by notice.", ["either"]),
    ("The two sides shall expand trade.", ["both"]),
    ("The Contracting Parties shall expand trade.", ["all"]),
    ("The United States shall provide economic assistance and expand trade.", ["USA"]),
]


@pytest.mark.parametrize("sentence,bound", BOUND)
def test_bound(sentence: str, bound: list[str]) -> None:
    found = clauses(f"Article 1\n\n{sentence}\n")
    assert [c["bound"] for c in found.values()][0] == bound


REFERENCES = [
    ("in line with Article 51 of the U.N. Charter", ["UN Charter art. 51"]),
    ("recognised by Article 51 of the Charter of the United Nations", ["UN Charter art. 51"]),
    ("in accordance with the Charter of the United Nations", ["UN Charter"]),
    ("taking into account their national laws and international law", ["national laws", "international law"]),
    ("in accordance with their respective constitutional processes", ["constitutional processes"]),
    ("as provided in Article 5", ["art. 5"]),
]


@pytest.mark.parametrize("phrase,refs", REFERENCES)
def test_references_are_normalised(phrase: str, refs: list[str]) -> None:
    found = clauses(f"Article 1\n\nThe Parties shall expand trade {phrase}.\n")
    assert found["trade"]["references"] == refs


CONDITIONS = [
    ("Should either Party suffer armed attack, the other Party shall immediately render military assistance.",
     ["Should either Party suffer armed attack"], "immediate"),
    ("The Parties will consult together whenever, in the opinion of any of them, the security of any of the "
     "Parties is threatened.",
     ["whenever, in the opinion of any of them, the security of any of the Parties is threatened"], None),
    ("In case a direct threat of armed invasion is created against one side, the two sides shall without "
     "delay hold consultations.", ["In case a direct threat of armed invasion is created against one side"],
     "immediate"),
]


@pytest.mark.parametrize("sentence,conditions,timing", CONDITIONS)
def test_conditions_and_timing(sentence: str, conditions: list[str], timing: str | None) -> None:
    found = clauses(f"Article 1\n\n{sentence}\n")
    assert found["defence"]["conditions"] == conditions
    assert found["defence"]["timing"] == timing


PARTIES = [
    ("UNION OF SOVIET SOCIALIST REPUBLICS", "SUN"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("the Russian Federation", "RUS"),
    ("Government of the Kingdom of the Netherlands", "NLD"),
    ("the United States of America", "USA"),
    ("US", "USA"),
    ("us", None),
    ("Republic of Korea", "KOR"),
    ("Atlantis", None),
]


@pytest.mark.parametrize("name,code", PARTIES)
def test_party_codes(name: str, code: str | None) -> None:
    assert party_code(name) == code


def test_phrase_syntax() -> None:
    pattern, keys = compile_phrase(["[all] available means", "military (and|or) other assistance",
                                    "alliance ... directed against", "attack* against"])
    text = "using all available means, military and other assistance; no alliance of any kind directed against; attacks against"
    assert [m.group() for m in pattern.finditer(text)] == [
        "all available means", "military and other assistance", "alliance of any kind directed against",
        "attacks against"]
    assert {"all", "avail", "milit", "allia", "attac"} <= keys
    with pytest.raises(ValueError, match="too short"):
        compile_phrase(["war* crimes"])


# --- held-out alliance treaties (texts the rules were not written from) -----------------

ANZUS = """SECURITY TREATY BETWEEN AUSTRALIA, NEW ZEALAND AND THE UNITED STATES OF AMERICA

Article III

The Parties will consult together whenever in the opinion of any of them the territorial integrity, political
independence or security of any of the Parties is threatened in the Pacific.

Article IV

Each Party recognizes that an armed attack in the Pacific Area on any of the Parties would be dangerous to its
own peace and safety and declares that it would act to meet the common danger in accordance with its
constitutional processes.
"""

US_JAPAN = """TREATY OF MUTUAL COOPERATION AND SECURITY BETWEEN JAPAN AND THE UNITED STATES OF AMERICA

Article V

Each Party recognizes that an armed attack against either Party in the territories under the administration
of Japan would be dangerous to its own peace and safety and declares that it would act to meet the common
danger in accordance with its constitutional provisions and processes.

Article VI

For the purpose of contributing to the security of Japan and the maintenance of international peace and
security in the Far East, the United States of America is granted the use by its land, air and naval forces of
facilities and areas in Japan.
"""

WARSAW = """TREATY OF FRIENDSHIP, CO-OPERATION AND MUTUAL ASSISTANCE

Article 1

The Contracting Parties undertake, in accordance with the Charter of the United Nations Organization, to
refrain in their international relations from the threat or use of force.

Article 3

The Contracting Parties shall immediately consult with one another whenever, in the opinion of any one of them,
a threat of armed attack on one or more of the Parties to the Treaty has arisen.

Article 4

In the event of armed attack in Europe on one or more of the Parties to the Treaty by any state or group of
states, each of the Parties to the Treaty, in the exercise of its right to individual or collective
self-defence in accordance with Article 51 of the Charter of the United Nations Organization, shall
immediately come to the assistance of the state or states attacked with all such means as it deems necessary,
including armed force.
"""

NON_AGGRESSION_1939 = """TREATY OF NONAGGRESSION

Article I

Both High Contracting Parties obligate themselves to desist from any act of violence, any aggressive action,
and any attack on each other, either individually or jointly with other Powers.

Article II

Should one of the High Contracting Parties become the object of belligerent action by a third Power, the other
High Contracting Party shall in no manner lend its support to this third Power.

Article III

The Governments of the two High Contracting Parties shall in the future maintain continual contact with one
another for the purpose of consultation in order to exchange information on problems affecting their common
interests.
"""

HELD_OUT = [
    (ANZUS, {"defence": True, "consultation": True, "offence": False, "neutrality": False}),
    (US_JAPAN, {"defence": True, "consultation": False, "neutrality": False}),
    (WARSAW, {"defence": True, "consultation": True, "non_aggression": True, "neutrality": False}),
    (NON_AGGRESSION_1939, {"defence": False, "non_aggression": True, "neutrality": True, "consultation": False}),
]


@pytest.mark.parametrize("text,profile", HELD_OUT, ids=["anzus", "us-japan", "warsaw", "nonaggression-1939"])
def test_held_out_alliance_profiles(text: str, profile: dict[str, bool]) -> None:
    agreement = treaty.parse(text)
    assert {k: getattr(agreement.profile, k) for k in profile} == profile


def test_only_the_united_states_carries_the_us_japan_defence_obligation() -> None:
    agreement = treaty.parse(US_JAPAN)
    assert agreement.party_codes == ["JPN", "USA"]
    assert agreement.profile.by_party == {"USA": ["defence"]}
    art5 = agreement.find("art5").clauses[0]
    assert art5.scope == "in the territories under the administration of Japan"
    assert art5.automatic is False


def test_warsaw_pact_article_4_attributes() -> None:
    clause = treaty.parse(WARSAW).find("art4").clauses[0]
    assert (clause.trigger, clause.timing, clause.assistance, clause.means) == (
        "armed_attack", "immediate", ["military"], "as_deemed_necessary")
    assert clause.legal_basis == ["UN Charter art. 51"]
    assert clause.scope == "in Europe"


# --- gold files (examples/gold, and ../shared/gold when present) -------------------------

def _evaluate(gold: Path, texts: list[Path]) -> dict:
    return totals(evaluate_dir(gold, texts, treaty.load))


def test_gold_labels_on_examples() -> None:
    scores = _evaluate(EXAMPLES / "gold", [EXAMPLES])
    for clause_type, score in scores.items():
        assert score.fn == 0, f"{clause_type}: a required type was missed"
        assert score.fp == 0, f"{clause_type}: a type was assigned that the gold file does not allow"
    assert sum(s.tp for s in scores.values()) >= 45


@pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="../shared/gold not present")
def test_gold_labels_in_shared_data() -> None:
    scores = _evaluate(SHARED / "gold", [SHARED / "corpus" / "hand", SHARED / "seeds"])
    recall = sum(s.tp for s in scores.values()) / sum(s.tp + s.fn for s in scores.values())
    precision = sum(s.tp for s in scores.values()) / sum(s.tp + s.fp for s in scores.values())
    assert recall >= 0.95 and precision >= 0.95


def test_seed_key_points_item_attributes() -> None:
    agreement = treaty.load(EXAMPLES / "2024-russia-dprk-key-points-news.txt")
    item3 = agreement.find("item3").clauses[0]
    item4 = agreement.find("item4").clauses[0]
    assert (item3.type, item3.obligations, item3.trigger, item3.timing) == (
        "defence", ["consultation"], "threat_of_aggression", "immediate")
    assert (item4.obligations, item4.trigger, item4.timing, item4.assistance, item4.means, item4.legal_basis) == (
        ["defence"], "state_of_war", "immediate", ["military", "other"], "all_available", ["UN Charter art. 51"])
    assert agreement.party_codes == ["RUS", "PRK"]
    assert agreement.profile.by_party == {"RUS": ["defence", "consultation"], "PRK": ["defence", "consultation"]}


def test_evidence_points_into_the_original_text() -> None:
    path = EXAMPLES / "1949-north-atlantic-treaty.txt"
    original = path.read_text(encoding="utf-8")
    agreement = treaty.load(path)
    art5 = agreement.find("art5").clauses[0]
    rules = {e.rule: e for e in art5.evidence}
    assert "trigger.armed_attack" in rules and "reference.UN Charter art. 51" in rules
    for evidence in art5.evidence:
        assert original[evidence.span.start:evidence.span.end] == evidence.text
        assert evidence.span.line == original.count("\n", 0, evidence.span.start) + 1


@pytest.mark.parametrize("sentence,rule,evidence", [
    # a stem after the first word ("peaceful use* of ...") fires, however short the stem
    ("The Parties shall cooperate in the peaceful uses of nuclear energy.", "trade.energy",
     "peaceful uses of nuclear energy"),
    # where two phrases of a rule start at the same word, the longer is the evidence
    ("The Parties shall develop economic cooperation.", "trade.economy", "economic cooperation"),
])
def test_rule_evidence_is_the_earliest_then_longest_phrase(sentence: str, rule: str, evidence: str) -> None:
    agreement = treaty.parse(f"Article 1\n\n{sentence}\n")
    found = {e.rule: e.text for _node, c in agreement.clauses() for e in c.evidence}
    assert found.get(rule) == evidence, found


# --- properties ---------------------------------------------------------------------------

WORDS = st.sampled_from(["shall", "not", "if", "armed attack", "the Parties", "each Party", "assist", "trade",
                         "immediately", "Article 51 of the U.N. Charter", ",", ";", ".", "state of war", "consult",
                         "threat", "may", "endeavour", "Should", "terrorism", "culture", "(a)", "\n", "\n\n"])
PROVISION_TEXT = st.lists(st.one_of(WORDS, st.text(max_size=6)), min_size=1, max_size=30).map(" ".join)


@given(PROVISION_TEXT)
def test_every_provision_gets_clauses_and_evidence_stays_in_bounds(body: str) -> None:
    text = "Article 1\n\n" + body
    agreement = treaty.parse(text)
    for node in agreement.provisions():
        assert node.clauses, node.id
        types = [c.type for c in node.clauses]
        assert len(types) == len(set(types))
        assert ("unclassified" in types) == (types == ["unclassified"])
        for clause in node.clauses:
            for evidence in clause.evidence:
                assert 0 <= evidence.span.start <= evidence.span.end <= len(text)


def test_spelling_variants_read_as_one() -> None:
    american = clauses("Article 5\n\nIf an armed attack occurs, each Party will assist the Party so attacked "
                       "in the exercise of the right of collective self-defense.\n")
    british = clauses("Article 5\n\nIf an armed attack occurs, each Party will assist the Party so attacked "
                      "in the exercise of the right of collective self-defence.\n")
    assert american == british
    assert american["defence"]["obligations"] == ["defence"]


NEGATED = [
    ("Nothing in this Treaty shall oblige either Party to come to the aid of the other if it is attacked.", []),
    ("The Parties shall not be obliged to consult if either of them is threatened.", []),
    ("If the other Party is attacked, each Party shall render all possible assistance.", ["defence"]),
]


@pytest.mark.parametrize("sentence,obligations", NEGATED)
def test_promises_taken_back_are_not_obligations(sentence: str, obligations: list[str]) -> None:
    agreement = treaty.parse(f"Article 1\n\n{sentence}\n")
    found = [o for _n, c in agreement.clauses() if c.type == "defence" for o in c.obligations]
    assert found == obligations


NOT_ATOP_OBLIGATIONS = [
    # the laws of war bind belligerents, they are not alliance commitments
    "The civilian population shall not be the object of attack by the Parties to the conflict.",
    "Prisoners of war shall be accommodated in a neutral country.",
    # "neutral" as an adjective, force in a definition of a crime
    "A Central Information Agency shall be created in a neutral country.",
    '"Trafficking" shall mean the recruitment of persons by means of the threat or use of force or other '
    "forms of coercion.",
    # general consultation is not ATOP's consultation
    "The Contracting Parties shall consult together on all important international questions.",
]


@pytest.mark.parametrize("sentence", NOT_ATOP_OBLIGATIONS)
def test_sentences_that_are_not_atop_obligations(sentence: str) -> None:
    agreement = treaty.parse(f"Article 1\n\n{sentence}\n")
    assert [o for _n, c in agreement.clauses() if c.type == "defence" for o in c.obligations] == []
    assert agreement.profile.model_dump(exclude={"by_party"}) == dict.fromkeys(
        ["defence", "offence", "neutrality", "non_aggression", "consultation"], False)


def test_every_spelling_variant_holds_one_of_the_hints() -> None:
    # _lower skips the variants' regex when a provision holds none of the hints.
    from treaty.classify import _spelling, _spelling_hints

    _pattern, variants = _spelling()
    hints = _spelling_hints()
    assert 0 < len(hints) < len(variants)
    assert all(any(h in word for h in hints) for word in variants)


def _variant_words() -> list[str]:
    from treaty.classify import _spelling

    return sorted(_spelling()[1])


@given(st.lists(st.one_of(st.sampled_from(_variant_words()), st.sampled_from(["the", "x", "co", "defence", "é"])),
                max_size=12), st.lists(st.sampled_from(["", " ", "-", "a", ".", "\n"]), min_size=12, max_size=12))
def test_one_spelling_is_every_whole_variant_replaced(words: list[str], glue: list[str]) -> None:
    # The reference: each variant standing as a whole word (no letter a-z on either side), longest first.
    from treaty.classify import _lower, _spelling

    variants = _spelling()[1]
    text = "".join(w + g for w, g in zip(words, glue))
    reference = re.sub(r"(?<![a-z])(?:" + "|".join(sorted(variants, key=len, reverse=True)) + r")(?![a-z])",
                       lambda m: variants[m.group()], text)
    assert _lower(text) == reference


# --- substring shortcuts before the defence regexes ---------------------------------------------

@pytest.mark.parametrize("pattern,needs", [
    ("state of war", ("state of war",)),
    (r"\bthreaten(?:s|ed)?\b|\bcrisis\b", ("crisis", "threaten")),
    (r"\b(?:consult\w*|negotiations?)\b", ("consult", "negotiation")),
    (r"armed attacks?|\battack(?:ed)? on", ("armed attack", "attack")),
    (r"(?:aid|help)\w* the (?:invader|attacker)", ("attacker", "invader")),  # the most selective part
    (r"\bno\b|never", None),  # "no" is too short to look for: no shortcut
    (r"(?i)state of war", None),  # case-insensitive: substrings of the lower-cased text would miss
    (r"[a-z]+ of war", (" of war",)),
])
def test_needed_literals(pattern: str, needs: tuple[str, ...] | None) -> None:
    from treaty.classify import _needed_literals

    assert _needed_literals(pattern) == needs


DEFENCE_WORDS = st.lists(st.sampled_from(
    "armed attack attacked by on against state of war threat threatened crisis assist assistance render aid "
    "help support the other each other not never refrain from force use consult negotiations third aggressor "
    "neutral neutrality remain war conflict military other all available means necessary , . ;".split()),
    max_size=40).map(" ".join)


@given(DEFENCE_WORDS, st.integers(0, 30), st.integers(0, 300))
def test_shortcut_regexes_find_what_the_plain_regexes_find(text: str, pos: int, endpos: int) -> None:
    from treaty.classify import _defence_vocab, _Prefiltered

    patterns = []
    for value in _defence_vocab().values():
        items = value.values() if isinstance(value, dict) else [p for _n, p in value] if isinstance(value, list) \
            else [value]
        patterns += [p for p in items if isinstance(p, _Prefiltered)]
    assert patterns
    for p in patterns:
        for args in ((text,), (text, pos, endpos)):
            found, plain = p.search(*args), p.regex.search(*args)
            assert (found and found.span()) == (plain and plain.span())
            assert [m.span() for m in p.finditer(*args)] == [m.span() for m in p.regex.finditer(*args)]


@pytest.mark.parametrize("low,kinds", [
    ("each party shall act.", ["PROV", "ACTOR", "MODAL", "END"]),
    ("caféshall act; it may", ["PROV", "END", "MODAL"]),  # "é" is a letter: no token inside "caféshall"
    ("café: shall act;if so", ["PROV", "MODAL", "END", "COND"]),  # ";" right before a word still ends a sentence
    ("under the u.n. charter. then", ["PROV", "REF", "END", "END"]),  # a full stop inside a reference counts
])
def test_provision_tokens(low: str, kinds: list[str]) -> None:
    from treaty.classify import _tokens

    tokens, _commas = _tokens([low])
    assert [t[0] for t in tokens] == kinds


PROVISION_SETS = [
    [],
    [""],
    ["each party shall act."],
    ["if attacked, the parties shall consult; either party may withdraw", "no modal here", "."],
    ["article 51 of the u.n. charter. the parties shall; may", "immediately. forthwith"],
]


@pytest.mark.parametrize("lows", PROVISION_SETS + ["examples"])
def test_provision_table_driver_gives_larks_own_parse(lows: list[str] | str) -> None:
    # classify runs the provision grammar's tables with its own loop; the
    # result must be exactly what Lark's parser builds from the same tokens.
    from treaty.classify import _KIND, _provision_driver, _tokens, _Tok, provision_parser

    if lows == "examples":
        lows = [n.full_text().lower() for p in sorted(EXAMPLES.glob("*.txt"))
                for n in treaty.parse(p.read_text(encoding="utf-8")).provisions()]
        assert len(lows) > 50
    tokens, _commas = _tokens(lows)
    driver = _provision_driver()
    assert driver is not None
    assert driver.run(tokens, _KIND) == provision_parser().parse([_Tok(t) for t in tokens])


def test_provision_table_driver_refuses_what_the_grammar_refuses() -> None:
    from treaty.classify import _KIND, _provision_driver, _Tok, provision_parser

    driver = _provision_driver()
    assert driver.run([("MODAL", "obligation", 0, 5)], _KIND) is None  # no PROV before it
    with pytest.raises(lark.exceptions.UnexpectedToken):  # and Lark's own loop says why
        provision_parser().parse([_Tok(("MODAL", "obligation", 0, 5))])
    assert driver.run([("PROV", "0", 0, 0), ("PROV", "1", 0, 0)], _KIND) == [
        [("PROV", "0", 0, 0)], [("PROV", "1", 0, 0)]]


@pytest.mark.parametrize("name", ["1949-north-atlantic-treaty.txt", "2024-russia-dprk-kcna.txt"])
def test_classify_profile_is_the_profile_of_every_clause_in_order(name: str) -> None:
    # classify reads the profile off the nodes it walked once; it must be what
    # treaty's profile() finds walking the finished tree, including clauses a
    # node that is not a provision was given before (by_party's order too).
    from treaty.classify import classify, profile
    from treaty.models import DefenceClause

    agreement = treaty.parse((EXAMPLES / name).read_text(encoding="utf-8"))
    other = next(n for n in agreement.walk() if not n.provision)
    other.clauses = [DefenceClause(obligations=["consultation", "neutrality"], bound=["ZZZ"])]
    classify(agreement)
    assert agreement.profile == profile(agreement)
    assert agreement.profile.neutrality and "ZZZ" in agreement.profile.by_party


def test_classify_without_the_table_driver_gives_the_same_clauses(monkeypatch: pytest.MonkeyPatch) -> None:
    # With a Lark whose tables the driver cannot read, classify falls back on
    # Lark's own parser loop (tokens wrapped so that it can read them).
    import treaty.classify as classify_module

    text = (EXAMPLES / "1949-north-atlantic-treaty.txt").read_text(encoding="utf-8")
    expected = treaty.parse(text)
    monkeypatch.setattr(classify_module, "_provision_driver", lambda: None)
    assert treaty.parse(text) == expected
