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


ANSWERED = "answered"  # a firm, direct answer backed by the excerpts
RELATED = "related"  # the closest passages, shown without claiming that they answer
DECLINED = "declined"  # nothing shown
STATUSES = (ANSWERED, RELATED, DECLINED)


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: a firm answer with its excerpts, the closest passages
    without a direct answer, or a decline. `answered` is true only for a firm answer."""

    question: str
    answered: bool
    text: str = ""
    excerpts: tuple[Excerpt, ...] = field(default_factory=tuple)
    status: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", ANSWERED if self.answered else DECLINED)
        if self.status not in STATUSES or self.answered != (self.status == ANSWERED):
            raise ValueError(f"inconsistent answer: answered={self.answered}, status={self.status!r}")

    @classmethod
    def related(cls, question: str, excerpts: tuple[Excerpt, ...]) -> Answer:
        return cls(question=question, answered=False, excerpts=excerpts, status=RELATED)

    @property
    def shows_excerpts(self) -> bool:
        return self.status in (ANSWERED, RELATED) and bool(self.excerpts)

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "status": self.status,
            "answered": self.answered,
            "answer": self.text,
            "excerpts": [e.as_json() for e in self.excerpts],
        }
