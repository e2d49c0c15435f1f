"""The Mongolian glossary reads a word under any of its endings, longest entry first."""

from hypothesis import given
from hypothesis import strategies as st

from citebot.index.retrieval import glossary

STEMS, WHOLE_WORDS = glossary.glossary()
ONE_WORD_STEMS = sorted(stem for stem in STEMS if " " not in stem)
ENDINGS = ["", "ын", "ийн", "ийг", "ыг", "аас", "ээс", "тай", "тэй", "д", "т", "ууд", "үүд", "аар", "ээр", "сан", "сэн"]


@given(st.sampled_from(ONE_WORD_STEMS), st.sampled_from(ENDINGS))
def test_a_stem_is_read_under_any_ending(stem, ending):
    assert glossary.glosses(f"Энэ {stem}{ending} вэ?")


def test_longest_entry_wins_and_question_words_read_nothing():
    assert glossary.glosses("элчин сайдын яамыг") == ["embassy"]
    assert glossary.glosses("элчин сайдаа") == ["ambassador"]
    assert glossary.glosses("Хэзээ, хаана, яагаад вэ?") == []


def test_whole_word_entries_do_not_read_longer_words():
    assert "party" in glossary.glosses("нам")
    assert "party" not in glossary.glosses("намайг")  # "me", not a party
