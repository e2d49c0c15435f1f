"""The document parser against arbitrary input: only DocumentError, and chunks are verbatim slices."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citebot.index.corpus.chunking import chunk_documents
from citebot.index.corpus.documents import DocumentError, parse_document

FIELD = st.sampled_from(["id", "title", "original_title", "publication", "date", "language", "source", "other"])
VALUE = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["&a [x]", "*a", "{a: 1}", "2025-11-04", "null", "'unclosed", "|\n  block"]),
)
HTMLISH = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<b>",
        "<script>alert(1)</script>",
        "&amp;",
        "&#0;",
        "<!--",
        "-->",
        "<html lang='zh'>",
        "<h2>",
        "</h2>",
        "\n\n",
        "\n",
        "# ",
        "## ",
        "---\n",
        "。",
        ". ",
        "\u202e",
        "\u200b",
        "\x00",
        "\ufeff",
        "！？",
        "…",
        "\r\n",
    ]
)
BODY = st.lists(st.one_of(st.text(max_size=60), HTMLISH), max_size=40).map("".join)


@st.composite
def documents(draw) -> str:
    body = draw(BODY)
    if not draw(st.booleans()):
        return body
    fields = draw(st.dictionaries(FIELD, VALUE, max_size=5))
    front = "\n".join(f"{key}: {value}" for key, value in fields.items())
    return f"---\n{front}\n---\n{body}"


def check(raw: bytes, name: str) -> None:
    try:
        document = parse_document(raw, Path(name))
    except DocumentError:
        return
    assert document.id and document.paragraphs
    paragraphs = {(p.number): p.text for p in document.paragraphs}
    for chunk in chunk_documents([document]):
        assert chunk.text and chunk.text in paragraphs[chunk.paragraph]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.sampled_from(["doc.md", "notes.txt", "My File.markdown"]))
def test_text_documents_parse_or_raise_document_error(text, name):
    check(text.encode("utf-8", "surrogatepass"), name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(HTMLISH, st.text(max_size=30)), max_size=30).map("".join))
def test_html_pages_parse_or_raise_document_error(page):
    check(f"<html><body><article>{page}</article></body></html>".encode("utf-8", "surrogatepass"), "page.html")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_document_error(raw):
    check(raw, "blob.md")
