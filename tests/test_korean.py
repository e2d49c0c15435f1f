"""Sino-Korean readings and Revised Romanization, citebot's own (index/retrieval/korean.py)."""

import pytest

from citebot.index.retrieval.korean import hangul_reading, romanize


@pytest.mark.parametrize(
    ("hanja", "hangul"),
    [
        ("大使館", "대사관"),
        ("朝鮮", "조선"),
        ("蒙古", "몽고"),
        ("李", "이"),  # initial sound law at the start of a word: 리 → 이
        ("勞動", "노동"),  # 로 → 노
        ("分裂", "분열"),  # 렬 after ㄴ → 열
        ("規律", "규율"),  # 률 after a vowel → 율
        ("國家", "국가"),
        ("关系", "관계"),  # simplified characters read as their traditional forms
        ("为", "위"),
        ("2025年", "2025년"),  # after a digit no initial sound law
        ("abc", "abc"),
    ],
)
def test_hanja_are_read_in_hangul(hanja, hangul):
    assert hangul_reading(hanja) == hangul


@pytest.mark.parametrize(
    ("hangul", "latin"),
    [
        ("김일성", "gimilseong"),
        ("서울", "seoul"),
        ("한국", "hanguk"),
        ("국어", "gugeo"),  # a final consonant links into the next vowel
        ("울릉", "ulleung"),  # ㄹㄹ is ll
        ("좋아", "joa"),  # ㅎ falls silent before a vowel
        ("몽골 2025", "monggol 2025"),
    ],
)
def test_hangul_is_romanized(hangul, latin):
    assert romanize(hangul) == latin


def test_every_hangul_syllable_romanizes_to_latin_letters():
    for code in range(0xAC00, 0xD7A4):
        spelled = romanize(chr(code))
        assert spelled.isascii() and spelled.isalpha(), chr(code)
