"""Evidence checks for firm answers.

A question that asks for a kind of fact (a name, a date, a number, an amount of money, a place)
is answered firmly only when the direct answer carries a fact of that kind: "how much did the
heating plants cost?" is not answered by a sentence about the heating plants that names no sum.
And a name, date or number of the question that the collection has nowhere, in any reading, means
the documents are about something close to the question but not about it.
Both only weaken an answer: the closest passages are still shown (compose.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from citebot.index.corpus.text import script_of

NAME, WHO, DATE, NUMBER, AMOUNT, PLACE, YES_NO = "name", "who", "date", "number", "amount", "place", "yes/no"

# Cues for each kind of fact, per script; checked in this order, so "in which year" is a date
# before it is a number, and "how much did it cost" an amount before a number.
_CUES: dict[str, list[tuple[str, str]]] = {
    "latin": [
        (
            AMOUNT,
            r"\b(?:cost|costs|price|priced|budget|money|fund(?:s|ing|ed)?|spen[dt]|pa(?:y|id)|lend|lent|"
            r"loans?|dollars?|worth|invest(?:ed|ment)?)\b",
        ),
        (DATE, r"\bwhen\b|\bwhat (?:year|date|month|day)\b|\b(?:which|what) (?:year|month|date)\b|\bsince when\b"),
        (
            NUMBER,
            r"\bhow (?:many|much|long|old|often|big|large|far)\b|\bwhat (?:percentage|percent|share|number)\b"
            r"|\bby how\b",
        ),
        (NAME, r"\bname[ds]?\b|\bcalled\b"),
        (WHO, r"\bwho(?:m|se)?\b"),
        (PLACE, r"\bwhere\b|\b(?:which|what) (?:city|country|town|province|place|region)\b"),
        (YES_NO, r"^(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b"),
    ],
    "han": [
        (AMOUNT, r"多少钱|费用|成本|造价|花了多少|金额|预算|经费|(?:资金|美元|贷款).*多少|多少.*(?:资金|美元|贷款)"),
        (DATE, r"什么时候|何时|哪一年|哪年|几月|哪一天|哪天|几号|日期|何年"),
        (NUMBER, r"多少|几[个名位项次年天%]|几成|百分之几|比例|多久|多长|多大"),
        (NAME, r"叫什么|名字|姓名"),
        (WHO, r"谁|哪位"),
        (PLACE, r"哪里|哪儿|在哪|什么地方|哪个城市|哪个国家|哪座城市|何地"),
        (YES_NO, r"吗[?？]?$|是否|有没有|是不是|能不能|会不会"),
    ],
    "hangul": [
        (AMOUNT, r"비용|금액|제작비|예산|가격|(?:돈|자금|대출|달러).*얼마|얼마.*(?:돈|달러)"),
        (DATE, r"언제|몇\s*년|몇\s*월|며칠|날짜|연도"),
        (NUMBER, r"몇|얼마|비율|퍼센트"),
        (NAME, r"이름|성함"),
        (WHO, r"누구|누가"),
        (PLACE, r"어디|어느\s*(?:도시|나라|지역)|장소"),
        (YES_NO, r"(?:습니까|나요|까요|가요)\s*[?？]?$"),
    ],
    "cyrillic": [
        (
            AMOUNT,
            r"өртөг|үнэ\b|үнэтэй|зардал|(?:хэд|хэр|хэчнээн).*(?:төгрөг|доллар|мөнгө)|(?:төгрөг|доллар|мөнгө).*хэд",
        ),
        (DATE, r"хэзээ|хэдэн\s+он|хэдэн\s+сар|аль\s+он|хэддүгээр|хэдний\s+өдөр|огноо"),
        (NUMBER, r"хэд(?:эн|ий||хэн)\b|хэчнээн|хэр\s+(?:их|олон|удаан)|хувь"),
        (NAME, r"нэр"),
        (WHO, r"\bхэн\b|\bхэнд\b|\bхэнийг\b|\bхэний\b|\bхэнээс\b"),
        (PLACE, r"\bхаана\b|\bхаашаа\b|\bхаанаас\b|аль\s+(?:хот|улс|аймаг)"),
        (YES_NO, r"(?:уу|үү|юу|юү)\s*[?？]?$"),
    ],
}
_WH = {
    "latin": r"\b(?:what|which|who|whom|whose|when|where|why|how)\b",
    "han": r"什么|哪|谁|为什么|怎么|如何|何|多少|几",
    "hangul": r"무엇|뭐|어떤|어떻게|왜|누구|누가|언제|어디|몇|얼마",
    "cyrillic": r"\b(?:юу|юуг|юуны|юунд|ямар|яагаад|яаж|хэн|хэзээ|хаана|хэд|хэдэн|аль|хэрхэн)\b",
}

_DIGIT = re.compile(r"\d")
_CN_COUNT = re.compile(
    r"[两二三四五六七八九十百千万亿半]+\s*(?:名|个|项|年|月|日|天|周|倍|人|次|位|省|国|万|亿|成)"
    r"|一\s*(?:半|倍|天|周)|[一二三四五六七八九十]+\s*(?:年|月|世纪)"
)
# Documents in English write small numbers as words ("bake it for forty minutes").
_EN_COUNT = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|half)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(r"美元|韩元|欧元|日元|人民币|图格里克|\d\s*元|[$€₩₮]|dollars?|won\b|төгрөг|доллар|달러|원\b")
_DATE = re.compile(
    r"\d{4}|\d+\s*(?:年|月|日|世纪)|[一二三四五六七八九十两]+\s*(?:年|个月|周|天)(?:前|后|来|间)"
    r"|(?:月|周|天|年)(?:前|后)"
)
# Digits that write a date: a year ("1999", "2024 年", "20 世纪", "90 年代"), a month or a day.
_DIGIT_DATE = re.compile(
    r"\b(?:1[89]|20)\d{2}\b(?:\s*年(?!\s*[间内来前后]))?|\d+\s*(?:月|日|号|世纪|年代)"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}\b",
    re.IGNORECASE,
)
_TITLE = re.compile(r"《[^》]+》|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt", "nt", "nz"})
_PLACE_TAGS = frozenset({"ns"})


def asked_fact(question: str) -> str | None:
    """The kind of fact a question asks for, or None when it asks for an explanation or nothing."""
    script = script_of(question)
    text = question.strip().lower() if script in ("latin", "cyrillic") else question.strip()
    for kind, cue in _CUES.get(script, []):
        if re.search(cue, text):
            if kind == YES_NO and re.search(_WH.get(script, "$^"), text):
                continue
            return kind
    return None


def carries(kind: str | None, answer: str) -> bool:
    """Whether a direct answer holds a fact of this kind."""
    if kind in (None, YES_NO):
        return True
    if kind == DATE:
        return bool(_DATE.search(answer))
    if kind == NUMBER:  # a count, a share or a sum: the digits of a date ("2024 年 9 月") are not one
        counted = _DIGIT_DATE.sub(" ", answer)
        return bool(_DIGIT.search(counted) or _CN_COUNT.search(counted) or _EN_COUNT.search(counted))
    if kind == AMOUNT:
        return bool(_MONEY.search(answer))
    from citebot.index.retrieval import entities

    if kind == PLACE:
        return bool(entities.find(answer) or any(tag in _PLACE_TAGS for _, tag in _tagged(answer)))
    if kind == WHO:  # a person, an organisation or a country ("who became the pillar?" -> 韩国)
        named = [word for word, tag in _tagged(answer) if tag in _NAME_TAGS | _PLACE_TAGS and len(word) >= 2]
        return bool(named or entities.find(answer) or _TITLE.search(answer) or "・" in answer)
    # a name asked for: a person's or a title's, not a place's
    people = [word for word, tag in _tagged(answer) if tag in _NAME_TAGS and len(word) >= 2 and not entities.find(word)]
    return bool(people or _TITLE.search(answer) or "・" in answer or "·" in answer)


@lru_cache(maxsize=1024)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    from citebot.index.retrieval.segmenter import tagger

    return tuple((p.word, p.flag) for p in tagger().cut(text))


@dataclass(frozen=True)
class Unmatched:
    """What of the question the collection lacks in every reading."""

    names: int = 0  # names none of whose readings any passage holds
    facts: int = 0  # dates and numbers of the question that no passage holds
    term_share: float = 0.0  # share of the question's own-language content terms no passage holds

    @property
    def any_key(self) -> bool:
        return bool(self.names or self.facts)


@dataclass(frozen=True)
class Verdict:
    fact: str | None
    carried: bool
    unmatched: Unmatched
    asks_something: bool = True

    @property
    def firm(self) -> bool:
        return (
            self.asks_something
            and self.carried
            and not self.unmatched.any_key
            and self.unmatched.term_share <= MAX_UNMATCHED_SHARE
        )


MIN_QUESTION_CHARS = 2  # letters or digits: "Ж" or "1" asks for nothing a passage could answer


def check(question: str, answer: str, unmatched: Unmatched) -> Verdict:
    fact = asked_fact(question)
    asks = sum(char.isalnum() for char in question) >= MIN_QUESTION_CHARS
    return Verdict(fact, carries(fact, answer), unmatched, asks)


# More than this share of the question's own-language terms unknown to the collection: not firm.
MAX_UNMATCHED_SHARE = 0.8
NAME_MATCH = 0.34  # a name is in the collection when one passage holds this share of its keys
OWN_FIELDS = ("zh", "en", "ko")


def unmatched(question: str, query: dict[str, list[str]], postings: dict[str, dict[str, list]]) -> Unmatched:
    """Names, dates and numbers of the question that no passage holds in any reading, and the
    share of its own-language terms that none holds. `postings` is field -> term -> [(row, count)]."""
    from citebot.index.retrieval.names import question_names

    names = sum(
        not _name_in_collection(name, postings)
        for name in question_names(question)
        if name.capitalised and (name.start > 0 or name.words > 1)  # not just a sentence's capital
    )
    # a year or a month the collection never mentions; joined terms (y2024m1) may be written apart
    dates = [t for t in query.get("dt", []) if re.fullmatch(r"[ym]\d+", t) and t not in postings.get("dt", {})]
    written = set(re.findall(r"\d+", question))  # digits the reader wrote, not number words read as digits
    numbers = [
        t
        for field in OWN_FIELDS
        for t in query.get(field, [])
        if t in written and not any(t in postings.get(f, {}) for f in OWN_FIELDS)
    ]
    own = [t for field in OWN_FIELDS for t in query.get(field, []) if not t[:1].isdigit()]
    missing = [t for t in own if not any(t in postings.get(f, {}) for f in OWN_FIELDS)]
    return Unmatched(
        names=names, facts=len(set(dates)) + len(set(numbers)), term_share=len(missing) / len(own) if own else 0.0
    )


def _name_in_collection(name, postings: dict[str, dict[str, list]]) -> bool:
    """A name is in the collection when it is a place or people of one (CLDR: "Korean" -> Korea), or
    when a passage holds most of the sound keys of its words that are not English glosses of the
    collection ("President Lee Jae-myung" -> "Lee Jae-myung")."""
    from citebot.index.retrieval import entities
    from citebot.index.retrieval.dates import date_terms
    from citebot.index.retrieval.names import keys
    from citebot.index.retrieval.terms import english_terms

    if entities.find(name.text) or entities.find(_DEMONYM.sub("", name.text)) or date_terms(name.text):
        return True
    nm = postings.get("nm", {})
    words = name.text.split()
    if script_of(name.text) == "latin":
        words = [w for w in words if not all(t in postings.get("en", {}) for t in english_terms(w))]
        if not words:
            return True
        whole = keys(" ".join(words))
    else:
        whole = name.keys
    # titles come along with names ("Ерөнхийлөгч Ли Жэ Мён"): a run of its words found is enough
    runs = (" ".join(_latin(w) for w in words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
    return _name_found(whole, nm) or any(keys(run) and _name_found(keys(run), nm) for run in runs)


def _latin(word: str) -> str:
    from citebot.index.retrieval import mongolian
    from citebot.index.retrieval.names import CYRILLIC_TO_LATIN

    if script_of(word) != "cyrillic":
        return word
    return "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in mongolian.stem(word))


_DEMONYM = re.compile(r"(?:'s|’s|ese|n)\b")


def _name_found(keys: list[str], postings: dict[str, list]) -> bool:
    if not keys:
        return True
    held: dict[int, int] = {}
    for key in set(keys):
        for row, _ in postings.get(key, ()):
            held[row] = held.get(row, 0) + 1
    return max(held.values(), default=0) >= NAME_MATCH * len(set(keys))
