from citebot.index.corpus.chunking import chunk_documents, sentence_windows
from citebot.index.corpus.documents import read_document
from citebot.index.corpus.text import split_sentences
from tests.support import SEED_DOC


def test_sentences_split_on_chinese_and_latin_ends_and_join_back():
    text = "蒙古保持中立。他说:“好！”然后走了。It rose 2.5 times. Then it fell! ok"
    pieces = split_sentences(text)
    assert "".join(pieces) == text
    assert [p.strip() for p in pieces] == [
        "蒙古保持中立。",
        "他说:“好！”",
        "然后走了。",
        "It rose 2.5 times.",
        "Then it fell!",
        "ok",
    ]


def test_windows_are_verbatim_and_cover_every_sentence():
    text = "第一句。第二句。第三句。"
    windows = sentence_windows(text)
    assert [w[2] for w in windows] == ["第一句。第二句。", "第二句。第三句。"]
    assert all(w[2] in text for w in windows)


def test_every_chunk_of_the_article_is_verbatim_and_cited():
    doc = read_document(SEED_DOC)
    chunks = chunk_documents([doc])
    by_number = {p.number: p for p in doc.paragraphs}
    for chunk in chunks:
        assert chunk.text in by_number[chunk.paragraph].text
        assert chunk.section == by_number[chunk.paragraph].section
    covered = {(c.paragraph, s) for c in chunks for s in range(c.first_sentence, c.first_sentence + c.sentences)}
    expected = {(p.number, i) for p in doc.paragraphs for i in range(len(split_sentences(p.text)))}
    assert covered == expected
