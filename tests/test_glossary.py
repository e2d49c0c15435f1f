"""The Mongolian and Korean glossaries read a word under any of its endings, longest entry first."""

from hypothesis import given
from hypothesis import strategies as st

from citebot.index.retrieval import glossary


def one_word_stems(script: str) -> list[str]:
    stems, _ = glossary.glossary(script)
    return sorted(stem for stem in stems if " " not in stem)


MONGOLIAN_ENDINGS = ["", "ын", "ийн", "ийг", "ыг", "аас", "ээс", "тай", "тэй", "д", "т", "ууд", "үүд", "аар", "сан"]
KOREAN_ENDINGS = ["", "다", "고", "는", "나요", "습니까", "어요", "을까요", "던"]


@given(st.sampled_from(one_word_stems("cyrillic")), st.sampled_from(MONGOLIAN_ENDINGS))
def test_a_mongolian_stem_is_read_under_any_ending(stem, ending):
    assert glossary.glosses(f"Энэ {stem}{ending} вэ?")


@given(st.sampled_from(one_word_stems("hangul")), st.sampled_from(KOREAN_ENDINGS))
def test_a_korean_stem_is_read_under_any_ending(stem, ending):
    assert glossary.glosses(f"그 사건에서 {stem}{ending}?")


def test_longest_entry_wins_and_question_words_read_nothing():
    assert glossary.glosses("элчин сайдын яамыг") == ["embassy"]
    assert glossary.glosses("элчин сайдаа") == ["ambassador"]
    assert glossary.glosses("Хэзээ, хаана, яагаад вэ?") == []
    assert glossary.glosses("북한은 왜 대사관을 닫았나요?") == ["close", "closed"]


def test_whole_word_entries_do_not_read_longer_words():
    assert "party" in glossary.glosses("нам")
    assert "party" not in glossary.glosses("намайг")  # "me", not a party
    assert "bridge" in glossary.glosses("몽골은 다리 역할을 하나요?")
    assert "bridge" not in glossary.glosses("다리미는 어디 있나요?")  # an iron


def test_other_scripts_have_no_glossary():
    assert glossary.glosses("Why did North Korea close its embassy?") == []
    assert glossary.glosses("朝鲜为什么关闭大使馆?") == []
