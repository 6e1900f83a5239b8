"""CC-CEDICT as lookup tables: short glosses, names of longer glosses, skipped senses, words
inside glosses, the reverse direction, key words and word forms; the shipped dictionary."""

from __future__ import annotations

from bot.engine.question.glossary import (
    Glossary,
    gloss_keys,
    inflections,
    key_words,
    load_glossary,
    word_forms,
)


def test_short_glosses_map_to_headwords_without_to_a_and_asides(sample_glossary: Glossary) -> None:
    g = sample_glossary
    assert g.headwords("hold accountable") == ["问责", "追责"]
    assert g.headwords("veto") == ["否决"]  # "to veto"
    assert "考核" in g.headwords("examine") and "考核" in g.headwords("appraisal")
    assert "指标" in g.headwords("target")  # "(production) target"
    assert g.headwords("functional group") == ["功能团"]  # "functional group (chemistry)"
    assert g.headwords("ordinary people") == ["老百姓"]
    assert g.headwords("subdistrict") == ["街道"]
    assert g.headwords("nothing like this") == []


def test_classifiers_variants_and_long_descriptions_give_no_keys(sample_glossary: Glossary) -> None:
    assert gloss_keys("CL:個|个[ge4]") == []
    assert gloss_keys("variant of 逼格[bi1 ge2]") == []
    assert not [k for k in sample_glossary.english if k.startswith("cl") or "ge4" in k]
    assert "person in the street" not in sample_glossary.english  # quoted, 4+ words with "the"


def test_place_names_come_from_the_start_of_longer_glosses(sample_glossary: Glossary) -> None:
    g = sample_glossary
    assert g.headwords("huizhou") == ["惠州"]  # "Huizhou prefecture-level city in Guangdong"
    assert g.headwords("liaoning") == ["辽宁", "辽宁省"]  # "Liaoning province in ..., short name ..."
    # "(US) Department of Homeland Security" names something longer than "Department"
    assert g.headwords("department") == ["部门"]


def test_words_inside_short_glosses_are_a_second_lookup(sample_glossary: Glossary) -> None:
    g = sample_glossary
    assert g.within("grassroots") == ["基层"]  # "grassroots unit"
    assert g.within("accountable") == ["问责", "追责"]
    assert g.within("the") == [] and g.within("of") == []  # function words are not indexed


def test_the_reverse_direction_lists_each_headwords_gloss_words(sample_reverse_glossary: Glossary) -> None:
    g = sample_reverse_glossary
    assert {"accountable", "blame", "censure"} <= set(g.glosses("问责"))
    assert "to" not in g.glosses("问责")
    assert g.glosses("惠州") == ["huizhou"]
    assert g.english == {} and g.headwords("veto") == []  # one direction per table


def test_key_words_fold_hyphens_possessives_and_negations() -> None:
    assert key_words("the Sub-district's year-end review") == ["the", "subdistrict", "yearend", "review"]
    assert key_words("Why can't they, and don’t we?") == "why can not they and do not we".split()
    assert key_words("in 2017") == ["in", "2017"]


def test_word_forms_reach_the_dictionary_form() -> None:
    assert "department" in word_forms("departments")
    assert "policy" in word_forms("policies")
    assert "push" in word_forms("pushing") and "issue" in word_forms("issued")
    assert "stop" in word_forms("stopped")
    assert word_forms("power")[0] == "power"  # the word itself first
    assert inflections("policy") == ["policy", "policies"]
    assert inflections("department") == ["department", "departments"]
    assert inflections("box") == ["box", "boxes"]


def test_the_shipped_dictionary_is_read_offline_once() -> None:
    g = load_glossary()
    assert load_glossary() is g  # once per process
    assert "街道" in g.headwords("subdistrict") and "问责" in g.headwords("hold accountable")
    assert "辽宁" in g.headwords("liaoning") and "惠州" in g.headwords("huizhou")
    assert len(g.english) > 50_000
