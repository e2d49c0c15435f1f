import pytest
from hypothesis import given
from hypothesis import strategies as st

from citebot.index.answering.compose import direct_answer
from citebot.index.corpus.chunking import Chunk
from citebot.index.library import Library
from citebot.index.retrieval.search import longest_overlap, widen
from citebot.index.retrieval.terms import query_terms
from tests.support import REPO, embedder


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return Library.open(REPO / "data", tmp_path_factory.mktemp("index"), embedder())


def test_chinese_question_finds_the_sentence_and_cites_it(library):
    answer = library.answer("朝鲜为什么召回驻蒙古大使?")
    assert answer.answered
    assert "召回驻蒙古大使" in answer.text
    top = answer.excerpts[0]
    assert "召回驻蒙古大使" in top.text
    assert (top.section, top.paragraph, top.doc) == ("叛逃者危机", 12, "mongolia-defector-dilemma")


def test_english_question_is_answered_from_the_chinese_text(library):
    answer = library.answer("Why did North Korea recall its ambassador to Mongolia?")
    assert answer.answered
    assert any("召回驻蒙古大使" in e.text for e in answer.excerpts)


@pytest.mark.parametrize(
    "question",
    [
        "Монголын эрх баригчид Өмнөд Солонгосын ямар тагнуулын ажилтнуудыг баривчилсан бэ?",
        "Тагнуулын хэрэгт ямар олон улсын конвенцийг зөрчсөн гэж үзсэн бэ?",
    ],
)
def test_mongolian_question_with_case_endings_finds_the_chinese_passage(library, question):
    # "тагнуулын", "баривчилсан", "конвенцийг": glossary stems under Mongolian endings, read as 情报, 逮捕, 公约
    answer = library.answer(question)
    assert "逮捕了两名韩国国防情报局" in answer.excerpts[0].text


def test_excerpts_and_answer_are_verbatim_from_the_article(library):
    article = (REPO / "data" / "mongolia-defector-dilemma.md").read_text(encoding="utf-8")
    for question in [
        "蒙古对中国的出口下降了多少?",
        "Who directed the film The Road South?",
        "Когда Монголия и Северная Корея установили отношения?",
    ]:
        answer = library.answer(question)
        assert 1 <= len(answer.excerpts) <= 3
        assert answer.text in article
        assert all(e.text in article for e in answer.excerpts)
        assert answer.text in answer.excerpts[0].text


def test_off_topic_question_is_declined_without_excerpts(library):
    for question in ["How do I bake sourdough bread at home?", "What is the capital of France?"]:
        answer = library.answer(question)
        assert not answer.answered and answer.excerpts == () and answer.text == ""


def test_empty_and_huge_questions_do_not_fail(library):
    assert not library.answer("   ").answered
    assert library.answer("蒙古 " * 3000).question


def test_question_limited_to_one_document(tmp_path):
    from tests.support import write_small_corpus

    lib = Library.open(write_small_corpus(tmp_path / "data"), tmp_path / "index", embedder())
    answer = lib.answer("How long should sourdough bake?", doc="small-zh")
    assert all(e.doc == "small-zh" for e in answer.excerpts)
    answer = lib.answer("How long should sourdough bake?", doc="small-en")
    assert answer.answered and answer.excerpts[0].doc == "small-en"


def test_overlapping_windows_merge_into_one_verbatim_excerpt():
    a = Chunk(0, "d", "D", "", 1, 0, 2, "一。二。")
    b = Chunk(1, "d", "D", "", 1, 1, 2, "二。三。")
    merged = widen(b, a)
    assert merged.text == "一。二。三。" and merged.sentences == 3


@given(st.text("一二三。", max_size=12), st.text("一二三。", max_size=12))
def test_the_overlap_of_two_windows_is_the_longest_end_of_one_that_begins_the_other(first, second):
    longest = next((n for n in range(min(len(first), len(second)), 0, -1) if first.endswith(second[:n])), 0)
    assert longest_overlap(first, second) == longest


def test_direct_answer_picks_the_answering_sentence():
    excerpt = "影片于 2024 年首映。两国于 1948 年建交,蒙古是最早承认平壤的国家之一。"
    query = embedder().embed_queries(["蒙古和朝鲜是哪一年建交的?"])[0]
    assert direct_answer(query, excerpt, embedder()) == "两国于 1948 年建交,蒙古是最早承认平壤的国家之一。"


def test_query_terms_follow_the_script_and_name_places_in_any_language():
    assert set(query_terms("朝鲜为什么召回大使?")) == {"zh", "ent"}
    english = query_terms("Why did North Korea recall its ambassador?")
    assert "ambassador" in english["en"] and "did" not in english["en"]
    assert "대사" in query_terms("북한은 왜 대사를 소환했나요?")["ko"]
    mongolian = query_terms("Хойд Солонгос яагаад Улаанбаатар дахь элчин сайдаа татсан бэ?")
    assert mongolian == {"ent": ["ent:KP", "ent:Asia/Ulaanbaatar"]} or set(mongolian["ent"]) == {
        "ent:KP",
        "ent:Asia/Ulaanbaatar",
    }
    assert set(query_terms("朝鲜 平壤")["ent"]) == set(query_terms("North Korea, Pyongyang")["ent"])


def test_follow_up_uses_its_context_only_when_that_reads_better(library):
    elliptical = library.answer("那是哪一年?", context="蒙古和朝鲜是什么时候建交的?")
    assert elliptical.answered and "1948" in elliptical.excerpts[0].text
    assert elliptical.question == "那是哪一年?"
    standalone = library.answer("蒙古对中国的出口下降了多少?", context="蒙古和朝鲜是什么时候建交的?")
    assert "9.4%" in standalone.excerpts[0].text


def test_a_short_paragraph_is_shown_whole_and_a_long_one_as_its_best_window():
    from citebot.index.retrieval.search import MAX_PARAGRAPH_EXCERPT_CHARS, short_paragraphs

    short = [Chunk(0, "d", "D", "", 1, 0, 2, "一。二。"), Chunk(1, "d", "D", "", 1, 1, 2, "二。三。")]
    sentence = "长" * (MAX_PARAGRAPH_EXCERPT_CHARS // 2) + "。"
    long = [Chunk(2, "d", "D", "", 2, 0, 2, sentence * 2), Chunk(3, "d", "D", "", 2, 1, 2, sentence * 2)]
    paragraphs = short_paragraphs(short + long)
    assert paragraphs[("d", 1)].text == "一。二。三。"
    assert ("d", 2) not in paragraphs


def test_excerpts_are_whole_paragraphs_of_the_article(library):
    article = (REPO / "data" / "mongolia-defector-dilemma.md").read_text(encoding="utf-8")
    paragraphs = {p.strip() for p in article.split("\n\n")}
    answer = library.answer("蒙古和朝鲜是哪一年建交的?")
    assert answer.excerpts[0].text in paragraphs
    assert "1948" in answer.text


@pytest.mark.parametrize(
    "earlier, question, expected",
    [
        (
            "Which minerals does South Korean industry want from Mongolia?",
            "Why did North Korea recall its ambassador to Mongolia?",
            "召回驻蒙古大使",
        ),
        (
            "Who led the North Korean academic delegation that visited Mongolia in August 2025?",
            "蒙古和朝鲜是哪一年建交的?",
            "1948",
        ),
        ("1999年朝鲜为什么关闭驻乌兰巴托使馆?", "How much did Mongolia's coal revenue fall in 2025?", "41%"),
    ],
)
def test_a_new_question_in_reply_to_an_answer_is_answered_on_its_own(library, earlier, question, expected):
    """In a group, a reply to the bot's answer may be a new, complete question: the earlier one must
    not pull it towards the earlier topic."""
    answer = library.answer(question, context=earlier)
    assert answer.answered and expected in answer.excerpts[0].text, answer.excerpts[0].text[:60]
