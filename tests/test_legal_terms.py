"""bot/engine/question/legal_terms.py: the legal-English terms file, folded English, lookups."""

from __future__ import annotations

from bot.engine.question.glossary import key_words
from bot.engine.question.legal_terms import LegalTerms, fold, load_terms, term_key
from bot.engine.text.script import CJK_RUN


def test_english_is_folded_the_same_way_on_both_sides() -> None:
    assert fold("organisations") == fold("organization") == "organization"
    assert fold("neighbourhood") == "neighborhood" and fold("labour") == "labor"
    assert fold("defence") == fold("defense") and fold("centres") == "center"
    assert fold("committees") == "committee" and fold("bodies") == "body" and fold("offices") == "office"
    assert fold("process") == "process" and fold("status") == "status" and fold("is") == "is"
    assert term_key(key_words("villagers' committees")) == term_key(key_words("Villager Committee"))


def test_a_term_is_found_as_written_inflected_or_spelled_the_british_way() -> None:
    terms = LegalTerms.parse([
        "# a comment", "", "villagers' committee\t村民委员会 村委会", "how often\t-",
        "sentence\t判处", "self-governing organization\t自治组织", "law\t法", "law\t法律",
    ])
    assert terms.longest == 2
    assert terms.lookup(key_words("Villagers' Committees")) == ("村民委员会", "村委会")
    assert terms.lookup(key_words("how often")) == ()  # a question phrase: asks, is not translated
    assert terms.lookup(["sentenced"]) == ("判处",)  # the last word's base form
    assert terms.lookup(key_words("self-governing organisations")) == ("自治组织",)
    assert terms.lookup(["law"]) == ("法", "法律")  # a term on two lines: both renderings, in order
    assert terms.lookup(["committee"]) is None


def test_the_shipped_file_reads_and_renders_in_chinese() -> None:
    terms = load_terms()
    assert terms.longest >= 4 and len(terms.renderings) > 300
    for key, renderings in terms.renderings.items():
        assert all(CJK_RUN.fullmatch(r.replace("、", "")) for r in renderings), key
    assert terms.lookup(key_words("recall")) == ("罢免",)
    assert terms.lookup(key_words("supervisory commissions")) == ("监察委员会", "监委")
    assert terms.lookup(key_words("between sessions")) == ("闭会期间",)
