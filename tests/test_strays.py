"""A question close to a taught wording but naming something the taught answer does not
(bot/engine/question/strays.py) is vetoed as a match of the teaching; its paraphrases are not
(below the answering bar they are suggested: bot/engine/question/taught_match.py). Real models,
the article's index."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from bot.engine.question.strays import Strays
from bot.engine.question.taught_match import TaughtMatcher, threshold
from bot.engine.service import SearchService
from bot.engine.text.normalize import normalize
from bot.engine.types import Teaching

TAUGHT = "张女士认为社区本来应该为谁服务？"
PIECE = "社区相应为社区居民服务"
PARAPHRASE = "按张女士的说法，社区的服务对象应该是谁？"
LOOKALIKE = "张女士抱怨社区成了谁的下级？"  # 下级: in the documents, in another sentence


@pytest.fixture
def service(real_service: SearchService) -> Iterator[SearchService]:
    yield real_service
    real_service.teach(())


def teaching(service: SearchService, question: str = TAUGHT, sentence: str = PIECE) -> Teaching:
    p = next(p for p in service.stored.paragraphs if PIECE in p.text)
    return Teaching("t1", question, p.doc, p.number, p.hash, sentence)


@pytest.mark.slow
def test_a_word_the_documents_say_elsewhere_strays(service: SearchService) -> None:
    taught = service.teach([teaching(service)])
    answered = taught.answered(taught.matcher.teachings[0])
    assert PIECE in answered and TAUGHT in answered
    assert service.strays(LOOKALIKE, answered) == ["下级"]
    assert service.strays(PARAPHRASE, answered) == []
    english = "What did Ms Zhang say communities are subordinate to?"
    assert service.strays(english, answered) == []  # not checked


@pytest.mark.slow
def test_the_look_alike_is_not_captured_and_the_paraphrase_is(service: SearchService) -> None:
    before = service.ask(LOOKALIKE)
    t = teaching(service)
    taught = service.teach([t])
    paraphrase = service.ask(PARAPHRASE)
    assert paraphrase.taught == "" and PIECE in paraphrase.answer  # right untaught: nothing to suggest
    assert paraphrase.suggestions == ()
    assert not taught.strays_from(taught.matcher.teachings[0], PARAPHRASE, service.strays)
    query = service.reader.read([LOOKALIKE], [normalize(LOOKALIKE)])[0][0]
    close = threshold(t.question, LOOKALIKE)
    assert taught.matcher.similarities([query.vector, query.second])[0] >= close  # close ...
    assert taught.strays_from(taught.matcher.teachings[0], LOOKALIKE, service.strays)  # ... but for strays
    lookalike = service.ask(LOOKALIKE)
    assert lookalike.taught == ""
    assert (lookalike.status, lookalike.answer) == (before.status, before.answer)  # as if nothing were taught


@pytest.mark.slow
def test_a_common_word_a_question_cue_a_determiner_or_a_count_never_strays(service: SearchService) -> None:
    answered = "乡镇一间办公室往往要挂几块牌子？\n往往一间办公要挂多少个词牌"
    assert service.strays("基层一间办公室要挂几个牌子？", answered) == []  # 基层: in most paragraphs
    assert service.strays("这位书记在乡镇干了多长时间？", "那位书记在乡镇工作了多少年？") == []
    taught, asked = "乡镇一间办公室往往要挂几块牌子？", "乡镇的一个办公室通常挂多少块牌子？"
    assert service.strays(taught, asked) == []  # 一间: a count


@pytest.mark.slow
def test_a_question_that_lacks_a_word_of_the_taught_wording_is_not_captured(service: SearchService) -> None:
    p = next(p for p in service.stored.paragraphs if "缓和难点相结合" in p.text)
    t2 = Teaching("t2", "问责要和什么相结合？", p.doc, p.number, p.hash, "缓和难点相结合")
    taught = service.teach([t2])
    assert not taught.strays_from(t2, "问责应当与什么结合起来？", service.strays)  # a paraphrase
    assert taught.strays_from(t2, "容错要和什么相结合？", service.strays)  # it asks about 问责, not 容错
    assert service.ask("容错要和什么相结合？").taught == ""
    lacking = service.strays("问责要和什么相结合？", "容错要和什么相结合？")
    assert len(lacking) == 1 and lacking[0].startswith("问责")  # jieba may glue a particle on


@pytest.mark.slow
def test_wordings_in_two_scripts_are_not_checked(service: SearchService) -> None:
    taught = service.teach([teaching(service)])
    zh = taught.matcher.teachings[0]
    assert not taught.strays_from(zh, "Who should communities serve, according to Ms Zhang?", service.strays)
    assert taught.strays_from(zh, LOOKALIKE, service.strays)


def test_without_word_vectors_nothing_is_checked() -> None:
    strays = Strays(lambda w: True, {}, 100, lambda words: np.zeros((len(words), 0), np.float32))
    assert strays("张女士抱怨社区成了谁的下级？", "张女士认为社区本来应该为谁服务？") == []


def test_a_veto_passes_over_to_the_next_closest_teaching() -> None:
    first = Teaching("a", "乡镇一年要签多少份责任状？", "d", 1, "h")
    second = Teaching("b", "乡镇每年签几份责任书？", "d", 2, "i")
    vectors = [np.array([[1.0, 0.0], [0.99, 0.14]], np.float32)]  # both above ANSWER_FROM
    matcher = TaughtMatcher([first, second], vectors)
    question = [np.array([1.0, 0.0], np.float32)]
    found = matcher.match("乡镇一年签几份责任状？", question)
    assert found is not None and found.teaching is first
    found = matcher.match("乡镇一年签几份责任状？", question, veto=lambda t: t is first)
    assert found is not None and found.teaching is second
    assert matcher.match("乡镇一年签几份责任状？", question, veto=lambda t: True) is None
    exact = matcher.match("乡镇一年要签多少份责任状？", question, veto=lambda t: True)
    assert exact is not None and exact.exact  # the same words are never vetoed
