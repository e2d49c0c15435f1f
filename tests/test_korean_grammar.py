"""A Korean question's content words: particles, endings and question words off (korean_grammar.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citebot.index.library import Library
from citebot.index.retrieval.korean_grammar import STOPWORDS, WORD, content_words
from citebot.index.retrieval.terms import query_terms
from tests.support import REPO, embedder


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("북한은 왜 대사를 소환했나요?", ["북한", "대사", "소환"]),
        ("몽골 정부는 간첩 사건을 어떻게 처리했습니까?", ["몽골", "정부", "간첩", "사건", "처리"]),
        ("한국 관리들은 왜 체포되었나요?", ["한국", "관리", "체포"]),
        ("통역사가 망명한 곳은 어디였어?", ["통역사", "망명", "곳"]),
        ("북한 대사 소환", ["북한", "대사", "소환"]),  # 북한 ends like 하다's 한 but is no verb
        ("무엇인가요? 언제요? 누구였나요?", []),
    ],
)
def test_grammar_and_question_words_come_off(question, words):
    assert content_words(question) == words


def test_a_form_the_collection_reads_is_kept_whole():
    assert content_words("남북한 관계") == ["남북", "관계"]
    assert content_words("남북한 관계", reads={"남북한", "관계"}.__contains__) == ["남북한", "관계"]


def test_a_word_only_the_glossary_knows_is_left_to_its_glosses():
    assert content_words("누가 붙잡혔나요", glossed=lambda form: form.startswith("붙잡")) == []


def test_a_korean_name_is_keyed_without_its_particle():
    assert query_terms("이재명은 무엇을 제안했나요?")["nm"] == query_terms("이재명")["nm"]


hangul_text = st.text(
    st.sampled_from("북한은왜대사를소환했나요 몽골정부간첩사건이가의에서도만까지했습니까?"), max_size=40
)


@given(hangul_text)
def test_content_words_are_beginnings_of_the_question_words(question):
    words = WORD.findall(question)
    for stem in content_words(question):
        assert stem and stem not in STOPWORDS
        assert any(word.startswith(stem) for word in words)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return Library.open(REPO / "data", tmp_path_factory.mktemp("index"), embedder())


@pytest.mark.parametrize(
    ("question", "keywords"),
    [
        ("북한은 왜 대사를 소환했나요?", "북한 대사 소환"),
        ("한국 관리들은 왜 체포되었나요?", "한국 관리 체포"),
        ("몽골 정부는 간첩 사건을 어떻게 처리했습니까?", "몽골 정부 간첩 사건 처리"),
    ],
)
def test_a_full_korean_sentence_covers_the_text_as_well_as_its_keywords(library, question, keywords):
    # Particles and endings match no reading of the Chinese text; counted, they made every Korean
    # question look as though the collection lacked most of it.
    sentence, bare = library.retrieve(question), library.retrieve(keywords)
    assert sentence.relevance.lexical == pytest.approx(bare.relevance.lexical)
    assert sentence.hits[0].chunk.text == bare.hits[0].chunk.text
