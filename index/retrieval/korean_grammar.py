"""The content of a Korean question: its words without particles and endings, and without question words.

Korean writes a word's particles (이 가 은 는 을 를 의 에서…) and endings (했나요, 됐습니까, 하는…) onto
it, so a question's hangul grams are mostly grammar: "북한은 왜 대사를 소환했나요?" has 은, 를, 했나요 and 왜
around three content words. No Sino-Korean reading can match them, so they made a Korean question
look as though the collection lacked most of it (lexical coverage 0.03-0.10 where a Chinese question
of the same meaning gets 0.3-0.6), and the few that read as a Han character matched noise (은 銀).
Chinese and English questions already drop their question words and function words (terms.py);
this does the same for Korean with the closed classes of its grammar.

A word keeps its longest form that the collection or the glossary knows (남북한 stays 남북한 though 한
is also an ending); otherwise the longest particle or ending is taken off, leaving at least one
syllable. A real analyser (kiwipiepy) was measured: 1.6 s to load and 510 MB resident, against the
start-up and memory budgets of issue 9.
"""

from __future__ import annotations

import re
from collections.abc import Callable

WORD = re.compile(r"[\uac00-\ud7a3]+")

# Question words, pronouns, auxiliaries and conjunctions: the Korean counterparts of
# terms.EN_STOPWORDS and terms.ZH_STOPWORDS.
STOPWORDS = frozenset(
    """
    왜 언제 어디 어디서 어디에 어디로 어디에서 무엇 무엇을 무엇이 뭐 뭘 뭔가 무슨 어떤 어떻게 어떠한 어떤가 어때
    누구 누가 누구를 누구의 누구에게 몇 얼마 얼마나 어느 어찌 어째서 왜냐하면
    이 그 저 이것 그것 저것 이런 그런 저런 이러한 그러한 여기 거기 저기 그때 이때
    그리고 그러나 하지만 그래서 그런데 또 또는 및 즉 결국 다시 더 가장 매우 아주 너무 잘 좀 정말 실제로 특히 당시
    있 있다 있나요 있었 있었나요 있는 있을 있어 있습니까 없 없다 없나요 없는 하 하다 했 한 할 해 되 된 될 됐
    것 수 등 때 중 통해 대해 대한 관해 관한 위해 위한 따라 따르면 의해 때문 때문에 말 점
    """.split()
)

PARTICLES = """
    이 가 은 는 을 를 의 에 에서 에게 에게서 께 께서 한테 한테서 으로 로 으로서 로서 으로써 로써 와 과 하고
    요 이요 이나 나 이랑 랑 도 만 까지 부터 보다 처럼 만큼 마다 조차 밖에 이라 라 이라고 라고 이라는 라는 이란 란
    에는 에서는 에도 에서도 으로는 로는 와의 과의 에서의 에의 으로의 로의 에게는 까지는 부터는 과는 와는 에만
    들 들이 들은 들을 들의 들에게 들과 들도 들로
    """.split()
# Endings of verbs and adjectives, including the 하다 / 되다 / 시키다 forms that follow a Sino-Korean
# noun (소환했나요 -> 소환) and the copula (무엇인가요).
ENDINGS = """
    했나요 했습니까 했어요 했어 했다 했는가 했는지 했을까 했던 했으며 했고 했지만 했을 했는데 했던가 했대요
    하나요 합니까 해요 하는 한 할 하고 하여 해서 하게 하지 하기 함 하려고 하려는 하는가 하는지 할까 할까요
    하였 하였나요 하였습니까 하였다 했 해야 하면 하며 한다 한다는 했다는 하자 하던 하면서
    되었나요 됐나요 되었습니까 됐습니까 되었 됐 되는 된 될 되나요 됩니까 되어 돼 되고 되었다 됐다 되었는가
    됐는지 되었는지 된다 되던 되면 되자 됐어요 됐어
    시켰나요 시켰 시킨 시키는 시켰습니까 당했나요 당했 당한
    인가요 인가 입니까 인지 이었나요 였나요 이었습니까 였습니까 이었 였 이었던 였던 이다 였다 이었다 일까요 일까
    이야 야 이에요 예요 이며 이고 이라면 인데 이지만
    나요 습니까 니까 어요 아요 았나요 었나요 았습니까 었습니까 았 었 았다 었다 았던 었던 는가 는지 을까
    던 는 은 을 고 며 게 지 기 음 면 서 어서 아서 도록 려고 려는 어 였어 였어요 이었어 이었어요
    """.split()
MIN_VERB_STEM = 2  # syllables


def content_words(
    question: str,
    reads: Callable[[str], bool] = lambda word: False,
    glossed: Callable[[str], bool] = lambda word: False,
) -> list[str]:
    """The question's words as stems, in order, without grammar and question words.

    `reads` tells whether a form reads as a word of the collection, `glossed` whether the glossary
    has it. A word the glossary has and no reading matches is left out: its meaning reaches the
    collection through the glossary's Chinese words (glossary.py), and its hangul can match nothing.
    """
    words: list[str] = []
    for word in WORD.findall(question):
        stem = stem_of(word, lambda form: reads(form) or glossed(form))
        if stem in STOPWORDS or word in STOPWORDS or (glossed(stem) and not reads(stem)):
            continue
        words.append(stem)
    return words


def stem_of(word: str, known: Callable[[str], bool]) -> str:
    """The longest known form of word; else word without its longest particle or ending."""
    forms = sorted(_forms(word), key=len, reverse=True)
    return next((form for form in forms if known(form)), forms[-1])


def _forms(word: str) -> set[str]:
    """word, and word with one particle or one ending taken off (a noun takes particles, a verb
    endings). An ending leaves at least two syllables: the Sino-Korean verbs it follows have two
    (소환했나요 -> 소환), while a one-syllable rest is likelier a word that ends like one (북한 is not 북 + 한)."""
    nouns = {word[: -len(p)] for p in PARTICLES if word.endswith(p) and len(word) > len(p)}
    verbs = {word[: -len(e)] for e in ENDINGS if word.endswith(e) and len(word) - len(e) >= MIN_VERB_STEM}
    return {word} | nouns | verbs
