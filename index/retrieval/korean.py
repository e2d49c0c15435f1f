"""Korean without dependencies: Sino-Korean readings of Han characters and Revised Romanization.

Readings come from hanja_readings.tsv (one reading per character, generated from Unicode's Unihan
kHangul by tools/hanja_table.py). The initial sound law (두음법칙) is applied at the start of a word
(李 리 → 이, 樂 락 → 낙) and 렬/률 become 열/율 after a vowel or ㄴ, as in standard spelling.
Romanization follows the Revised Romanization of Korean (2000) with linking of a final consonant
into a following vowel; the consonant assimilations of speech are not applied.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

_FIRST, _LAST = 0xAC00, 0xD7A3
_VOWELS, _FINALS = 21, 28

_ONSETS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_NUCLEI = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae",
    "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i",
]  # fmt: skip
# Final consonants as pronounced at the end of a syllable (the seven representative sounds).
_CODAS = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
    "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
]  # fmt: skip
# Before a vowel-initial syllable a final consonant is linked into it: what stays as the final, and
# the onset it gives the next syllable (of a double final the second consonant moves; ㅎ falls silent).
_LINKED = {
    1: (0, "g"), 2: (0, "kk"), 3: (1, "s"), 4: (0, "n"), 5: (4, "j"), 6: (4, ""), 7: (0, "d"), 8: (0, "r"),
    9: (8, "g"), 10: (8, "m"), 11: (8, "b"), 12: (8, "s"), 13: (8, "t"), 14: (8, "p"), 15: (8, ""), 16: (0, "m"),
    17: (0, "b"), 18: (17, "s"), 19: (0, "s"), 20: (0, "ss"), 22: (0, "j"), 23: (0, "ch"), 24: (0, "k"),
    25: (0, "t"), 26: (0, "p"), 27: (0, ""),
}  # fmt: skip
_IEUNG, _NIEUN, _RIEUL = 11, 2, 5
_Y_OR_I = frozenset({2, 6, 7, 12, 17, 20})  # ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ (녀 뇨 뉴 니 have no ㅑ or ㅖ syllables in use)
_OTHER_VOWELS = frozenset({0, 1, 8, 11, 13, 18})  # ㅏ ㅐ ㅗ ㅚ ㅜ ㅡ
_RYEOL_RYUL = frozenset({(5, 6, 8), (5, 17, 8)})


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    text = resources.files(__package__).joinpath("hanja_readings.tsv").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            reading, characters = line.split("\t")
            table.update(dict.fromkeys(characters, reading))
    return table


def is_hangul_syllable(char: str) -> bool:
    return _FIRST <= ord(char) <= _LAST


def _parts(syllable: str) -> tuple[int, int, int]:
    index = ord(syllable) - _FIRST
    return index // (_VOWELS * _FINALS), index // _FINALS % _VOWELS, index % _FINALS


def _syllable(onset: int, nucleus: int, final: int) -> str:
    return chr(_FIRST + (onset * _VOWELS + nucleus) * _FINALS + final)


def _initial_sound_law(previous: str, reading: str) -> str:
    onset, nucleus, final = _parts(reading)
    if previous.isalnum():
        # 렬, 률 after a vowel or ㄴ: 열, 율 (비율, 선율).
        if (onset, nucleus, final) in _RYEOL_RYUL and is_hangul_syllable(previous) and _parts(previous)[2] in (0, 4):
            return _syllable(_IEUNG, nucleus, final)
        return reading
    if onset in (_NIEUN, _RIEUL) and nucleus in _Y_OR_I:  # 녀 → 여, 리 → 이
        return _syllable(_IEUNG, nucleus, final)
    if onset == _RIEUL and nucleus in _OTHER_VOWELS:  # 라 → 나, 로 → 노
        return _syllable(_NIEUN, nucleus, final)
    return reading


def hangul_reading(text: str) -> str:
    """Han characters replaced by their Sino-Korean reading (大使館 → 대사관); everything else kept."""
    table = _readings()
    out: list[str] = []
    previous = " "
    for char in text:
        reading = table.get(char)
        current = _initial_sound_law(previous, reading) if reading else char
        out.append(current)
        previous = current
    return "".join(out)


def romanize(text: str) -> str:
    """Revised Romanization of the hangul syllables in text (김일성 → gimilseong); other characters kept."""
    out: list[str] = []
    linked: str | None = None  # the onset carried over from the previous syllable's final
    for index, char in enumerate(text):
        if not is_hangul_syllable(char):
            out.append(char)
            linked = None
            continue
        onset, nucleus, final = _parts(char)
        if linked is not None:
            start = linked
        elif onset == _RIEUL and out and out[-1].endswith("l"):
            start = "l"  # ㄹㄹ is ll
        else:
            start = _ONSETS[onset]
        following = text[index + 1 : index + 2]
        linked = None
        if final in _LINKED and following and is_hangul_syllable(following) and _parts(following)[0] == _IEUNG:
            final, linked = _LINKED[final]
        out.append(start + _NUCLEI[nucleus] + _CODAS[final])
    return "".join(out)
