"""Cross-lingual lexical matching: English questions become weighted Chinese terms the
documents hold (and Chinese questions, English terms of English documents); the service
uses them; on the real models an English question finds its paragraph."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from bot.engine.lifecycle import open_service
from bot.engine.question.crosslingual import PARTIAL_WEIGHT, Translator
from bot.engine.question.glossary import Glossary
from bot.engine.rank.bm25 import LexicalIndex, index_texts
from bot.engine.service import SearchService
from bot.engine.text.normalize import normalize
from config.settings import Settings

CHINESE = [
    "惠州某街道的年终考核共有考核指标31项,大多与属地责任有关。",
    "问责本身并不是目的,而是一种手段。基层干部要敢于担当。",
    "乡镇干部普遍反映,权力和责任不对等,压力很大。",
    "功能齐全的服务大厅方便了老百姓办事。",
]
ENGLISH = [
    "Accountability is not the purpose in itself but a means.",
    "Township officials say their power does not match their responsibility.",
    "The service hall is convenient for ordinary residents.",
]


@pytest.fixture(scope="module")
def chinese() -> LexicalIndex:
    return index_texts([normalize(t) for t in CHINESE])


@pytest.fixture
def translator(chinese: LexicalIndex, sample_glossary: Glossary) -> Translator:
    return Translator(chinese, documents_cjk=True, glossary=sample_glossary)


def _units(translator: Translator, question: str) -> dict[str, tuple[str, ...]]:
    return {u.source: u.targets for u in translator.units(normalize(question))}


def test_longest_gloss_wins_and_headwords_are_kept_only_when_the_documents_hold_them(
    translator: Translator,
) -> None:
    units = _units(translator, "Who should hold accountable the Huizhou subdistrict?")
    assert units["hold accountable"] == ("问责",)  # one unit; 追责 is not in the documents
    assert units["huizhou"] == ("惠州",)
    assert units["subdistrict"] == ("街道",)
    assert "who" not in units and "should" not in units  # function words are not translated


def test_inflected_words_partial_glosses_and_single_characters(translator: Translator) -> None:
    question = normalize("Do township officials at the grassroots have power?")
    units = {u.source: u for u in translator.units(question)}
    assert units["officials"].targets == ("干部",)  # official → 干部
    assert units["township"].targets == ("乡镇",)  # not 乡: one character matches too much
    assert units["grassroots"].targets == ("基层",) and units["grassroots"].partial  # "grassroots unit"
    assert units["power"].targets == ("权力",)


def test_a_headword_sharing_one_bigram_with_the_documents_is_not_held(translator: Translator) -> None:
    # 功能团 ("functional group") shares only 功能 with the documents
    assert "functional group" not in _units(translator, "What is a functional group?")
    assert "accountability" in _units(translator, "accountability")  # 问责性: 问责 + 责性, half held


def test_terms_share_one_weight_per_unit(translator: Translator, chinese: LexicalIndex) -> None:
    terms = translator.terms(normalize("indicator grassroots"))
    assert terms["指标"] == pytest.approx(1.0) and terms["#指标"] == pytest.approx(1.0)
    assert terms["基层"] == pytest.approx(PARTIAL_WEIGHT)
    several = Translator(chinese, glossary=Glossary({"duty": "责任 权力"}, {}))
    assert several.terms("duty")["责任"] == pytest.approx(1 / math.sqrt(2))
    assert translator.terms(normalize("考核指标有多少？")) == {}  # no English words: nothing to add
    assert translator.terms(normalize("What is 2017?")) == {}  # numbers match as they are


def test_an_english_question_ranks_the_chinese_paragraph_that_answers_it(
    translator: Translator, chinese: LexicalIndex
) -> None:
    question = normalize("How many targets does the Huizhou subdistrict assess at the end of the year?")
    assert not chinese.scores(question).any()  # without translation BM25 sees nothing
    scores = chinese.scores(question, translator.terms(question))
    assert int(np.argmax(scores)) == 0
    purpose = normalize("What is the purpose of holding officials accountable?")
    assert int(np.argmax(chinese.scores(purpose, translator.terms(purpose)))) == 1


def test_chinese_questions_about_english_documents_get_english_terms(
    sample_reverse_glossary: Glossary,
) -> None:
    english = index_texts([normalize(t) for t in ENGLISH])
    translator = Translator(english, documents_cjk=False, glossary=sample_reverse_glossary)
    question = normalize("乡镇干部的权力和责任对等吗？")
    terms = translator.terms(question)
    assert {"township", "officials", "power", "responsibility"} <= set(terms)  # plural as written
    assert int(np.argmax(english.scores(question, terms))) == 1
    people = normalize("老百姓办事方便吗？")
    assert int(np.argmax(english.scores(people, translator.terms(people)))) == 2  # ordinary


def test_the_service_translates_english_questions_and_can_be_switched_off(fake_service: SearchService,
                                                                         fake_settings: Settings) -> None:
    question = "How many assessment indicators did the Huizhou subdistrict have at year end?"
    terms = fake_service.reader.translated(normalize(question))
    assert {"惠州", "街道", "指标"} <= set(terms)
    answer = fake_service.ask(question)
    assert answer.hits and "惠州" in answer.hits[0].text  # the hashing encoder alone knows no Chinese
    off = replace(fake_settings, retrieval=replace(fake_settings.retrieval, crosslingual=False))
    plain = open_service(off)
    assert plain.translator is None and plain.reader.translated(normalize(question)) == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("In which year did Liaoning's provincial government survey grassroots officials?", "辽宁省府"),
        ("How many responsibility pledges did the township with the fewest still sign?", "也是有36份"),
        ("What hardware, such as boats, does the sub-district lack for law enforcement at sea?", "船艇"),
        ("Which two levels of government had their powers clarified by the ten-point opinions?", "县乡两级"),
    ],
)
def test_english_questions_find_their_paragraph_first_on_the_real_models(
    real_service: SearchService, question: str, gold: str
) -> None:
    hits = real_service.ask(question).hits
    assert hits and gold in hits[0].text, [h.paragraph for h in hits]
