import re

import pytest

from citebot.index.corpus.documents import DocumentError, load_documents, read_document
from tests.support import SEED_DOC, write_small_corpus


def test_front_matter_sections_and_paragraph_numbers(tmp_path):
    docs = load_documents(write_small_corpus(tmp_path / "data"))
    zh = next(d for d in docs if d.id == "small-zh")
    assert zh.info.title == "小测试文章"
    assert zh.info.original_title == "A Small Test Article"
    assert zh.info.date == "2025-01-02"
    assert [(p.section, p.number) for p in zh.paragraphs] == [
        ("", 1),
        ("叛逃者危机", 2),
        ("叛逃者危机", 3),
        ("经济", 4),
    ]


def test_plain_text_file_without_front_matter(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("First line is a paragraph.\nSecond line too.\n", encoding="utf-8")
    doc = read_document(path)
    assert doc.id == "notes"
    assert [p.text for p in doc.paragraphs] == ["First line is a paragraph.", "Second line too."]


def test_binary_and_broken_files_are_named_in_the_error(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(DocumentError, match="bad.txt"):
        load_documents(tmp_path)
    (tmp_path / "bad.txt").unlink()
    (tmp_path / "meta.md").write_text("---\ntitle: [unclosed\n---\ntext\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="meta.md.*YAML"):
        load_documents(tmp_path)


def test_seed_document_metadata():
    info = read_document(SEED_DOC).info
    assert info.original_title == "Mongolia's Defector Dilemma: Navigating the Korea Divide"
    assert (info.publication, info.date, info.language) == ("The Diplomat", "2025-11-04", "zh")


PAGE = """<html lang="en"><head><title>Herders of the Gobi</title>
<meta property="article:published_time" content="2025-10-01"></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Herders of the Gobi</h1>
<p>Herders in the South Gobi move their camels to sheltered pastures every winter. The move takes two weeks.</p>
<h2>Water</h2>
<p>Wells are the herders' main source of water, and many of them were dug in the 1960s.</p>
</article><footer>Comments: be polite. Copyright 2025</footer></body></html>"""


def test_html_page_keeps_the_article_and_its_headings_only(tmp_path):
    (tmp_path / "gobi.html").write_text(PAGE, encoding="utf-8")
    doc = read_document(tmp_path / "gobi.html")
    assert (doc.info.id, doc.info.title, doc.info.date, doc.info.language) == (
        "gobi",
        "Herders of the Gobi",
        "2025-10-01",
        "en",
    )
    assert [(p.section, p.text[:22]) for p in doc.paragraphs] == [
        ("Herders of the Gobi", "Herders in the South G"),
        ("Water", "Wells are the herders'"),
    ]
    text = " ".join(p.text for p in doc.paragraphs)
    assert "Home" not in text and "Copyright" not in text and "Comments" not in text


def test_html_page_without_article_text_is_named(tmp_path):
    app_shell = '<html><body><div id="app"></div><script>render()</script></body></html>'
    (tmp_path / "empty.html").write_text(app_shell, encoding="utf-8")
    with pytest.raises(DocumentError, match="empty.html"):
        read_document(tmp_path / "empty.html")


def test_alias_bomb_in_front_matter_is_refused_quickly(tmp_path):
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
    (tmp_path / "bomb.md").write_text(f"---\nl0: &l0 [lol]\n{levels}title: *l8\n---\n\nBody.\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"bomb\.md.*aliases"):
        load_documents(tmp_path)


@pytest.mark.parametrize(
    "front, problem",
    [
        ("title: [a, list]", "'title' must be text, not list"),
        ("title: {nested: map}", "'title' must be text, not dict"),
        (f"title: {'长' * 301}", "'title' is 301 characters, the limit is 300"),
        ("id: ../../etc/passwd", "not a simple slug"),
        ("- just\n- a list", "must be a mapping"),
    ],
)
def test_front_matter_fields_are_validated(tmp_path, front, problem):
    (tmp_path / "doc.md").write_text(f"---\n{front}\n---\n\nBody text.\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"doc\.md.*" + re.escape(problem)):
        load_documents(tmp_path)


def test_scalar_front_matter_fields_become_text(tmp_path):
    (tmp_path / "doc.md").write_text("---\ntitle: 1984\ndate: 2025-01-02\n---\n\nBody text.\n", encoding="utf-8")
    info = read_document(tmp_path / "doc.md").info
    assert (info.title, info.date) == ("1984", "2025-01-02")


def test_file_names_that_are_not_slugs_become_slugs(tmp_path):
    (tmp_path / "My Notes (draft).txt").write_text("A paragraph.\n", encoding="utf-8")
    assert [d.id for d in load_documents(tmp_path)] == ["My-Notes-draft"]
