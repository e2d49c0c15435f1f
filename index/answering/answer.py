from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Excerpt:
    """A verbatim piece of a document, with where it came from."""

    text: str
    doc: str
    doc_title: str
    section: str
    paragraph: int
    score: float
    chunk_id: int
    byline: str = ""

    def citation(self) -> str:
        where = f"§ {self.section}, ¶ {self.paragraph}" if self.section else f"¶ {self.paragraph}"
        source = f"{self.doc_title} ({self.byline})" if self.byline else self.doc_title
        return f"{source} — {where}"

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "doc": self.doc,
            "byline": self.byline,
            "section": self.section,
            "paragraph": self.paragraph,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: verbatim sentences plus their excerpts, or a decline."""

    question: str
    answered: bool
    text: str = ""
    excerpts: tuple[Excerpt, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "excerpts": [e.as_json() for e in self.excerpts],
        }
