"""Score retrieval and abstention on a questions file (JSON lines: id, lang, question, answerable, evidence)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from citebot.index.answering.answer import DECLINED, STATUSES
from citebot.index.answering.compose import compose
from citebot.index.answering.relevance import FIRM_THRESHOLDS
from citebot.index.corpus.text import squash
from citebot.index.library import Library

CURVE_STEPS = 12
GROUPS = ("answerable", "near", "far")


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    question: str
    answerable: bool
    evidence: tuple[str, ...]
    kind: str = ""  # answerable, near (a near-topic trap) or far (off-topic)

    @property
    def group(self) -> str:
        return self.kind or ("answerable" if self.answerable else "far")


@dataclass(frozen=True)
class Outcome:
    case: Case
    rank: int | None  # 1-based rank of the first excerpt holding evidence, as shown to the user
    retrieval_rank: int | None  # the same, had the bot not declined
    answered: bool
    relevance: float
    returned: tuple[str, ...]
    status: str = "declined"
    answer_holds_evidence: bool = False  # a firm answer whose direct answer itself quotes the evidence


def load_cases(path: Path) -> list[Case]:
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append(case_from_row(json.loads(line), number))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question row ({exc})") from exc
    return cases


def case_from_row(row: object, number: int) -> Case:
    """A question row, its fields checked for type: a file from elsewhere may hold anything."""
    if not isinstance(row, dict):
        raise ValueError(f"a JSON object is wanted, not {type(row).__name__}")
    question, lang, answerable = row.get("question"), row.get("lang", "?"), row.get("answerable", True)
    evidence = row.get("evidence", [])
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    if not isinstance(lang, str) or not isinstance(answerable, bool):
        raise ValueError("'lang' must be a string and 'answerable' true or false")
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise ValueError("'evidence' must be a list of strings")
    kind = str(row.get("kind") or ("answerable" if answerable else "far"))
    if kind not in GROUPS or (kind == "answerable") != answerable:
        raise ValueError(f"kind {kind!r} does not fit answerable={answerable}")
    return Case(str(row.get("id", number)), lang, question, answerable, tuple(evidence), kind)


def first_hit(texts: list[str], evidence: tuple[str, ...]) -> int | None:
    needles = [squash(e) for e in evidence]
    for rank, text in enumerate(texts, 1):
        if any(n in squash(text) for n in needles):
            return rank
    return None


def run_case(library: Library, case: Case) -> Outcome:
    retrieval = library.retrieve(case.question)
    answer = compose(
        case.question,
        retrieval,
        library.embedder,
        library.threshold,
        sentence_vectors=library.searcher.sentence_vectors,
    )
    retrieved = [h.chunk.text for h in retrieval.hits]
    shown = [e.text for e in answer.excerpts]
    return Outcome(
        case,
        first_hit(shown, case.evidence),
        first_hit(retrieved, case.evidence),
        answer.answered,
        retrieval.relevance.score,
        tuple(retrieved),
        answer.status,
        answer.answered and first_hit([answer.text], case.evidence) == 1,
    )


def evaluate(library: Library, cases: list[Case]) -> dict:
    outcomes = [run_case(library, c) for c in cases]
    answerable = [o for o in outcomes if o.case.answerable]
    off_topic = [o for o in outcomes if not o.case.answerable]
    by_lang = defaultdict(list)
    for o in answerable:
        by_lang[o.case.lang].append(o)
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "off_topic": len(off_topic),
        **ranking_figures(answerable),
        "retrieval_only": ranking_figures(answerable, key="retrieval_rank"),
        "by_language": {lang: {"n": len(rows), **ranking_figures(rows)} for lang, rows in sorted(by_lang.items())},
        "outcomes": outcome_counts(outcomes),
        "off_topic_answered": sum(o.answered for o in off_topic),
        "answerable_declined": sum(o.status == DECLINED for o in answerable),
        "answerable_firm": sum(o.answered for o in answerable),
        "answer_holds_evidence": sum(o.answer_holds_evidence for o in answerable),
        "threshold": library.threshold if library.threshold is not None else dict(FIRM_THRESHOLDS),
        "tradeoff": tradeoff(answerable, off_topic),
        "misses": [miss(o) for o in answerable if o.rank is None or o.rank > 1]
        + [miss(o) for o in off_topic if o.answered],
    }


def outcome_counts(outcomes: list[Outcome]) -> dict:
    """How many questions of each group got each kind of reply, overall and per language."""
    table: dict = {}
    for o in outcomes:
        for lang in dict.fromkeys(("all", o.case.lang)):  # a language called "all" is counted once
            cell = table.setdefault(lang, {}).setdefault(o.case.group, dict.fromkeys(STATUSES, 0))
            cell[o.status] += 1
    return table


def ranking_figures(rows: list[Outcome], key: str = "rank") -> dict:
    ranks = [getattr(o, key) for o in rows]
    n = len(rows) or 1
    return {
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 4),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
    }


def tradeoff(answerable: list[Outcome], off_topic: list[Outcome]) -> list[dict]:
    """Declined answerable vs answered off-topic questions, for thresholds across the observed range."""
    scores = sorted(o.relevance for o in answerable + off_topic)
    if not scores:
        return []
    low, high = scores[0], scores[-1]
    points = []
    for step in range(CURVE_STEPS + 1):
        t = low + (high - low) * step / CURVE_STEPS
        points.append(
            {
                "threshold": round(t, 4),
                "answerable_declined": sum(o.relevance < t for o in answerable),
                "off_topic_answered": sum(o.relevance >= t for o in off_topic),
            }
        )
    return points


def miss(o: Outcome) -> dict:
    return {
        "id": o.case.id,
        "lang": o.case.lang,
        "question": o.case.question,
        "answerable": o.case.answerable,
        "kind": o.case.group,
        "status": o.status,
        "answered": o.answered,
        "rank": o.rank,
        "retrieval_rank": o.retrieval_rank,
        "relevance": round(o.relevance, 4),
        "expected": list(o.case.evidence),
        "returned": [t[:80] for t in o.returned],
    }


def render(report: dict) -> str:
    lines = [
        f"questions {report['questions']}  answerable {report['answerable']}  off-topic {report['off_topic']}",
        f"hit@1 {report['hit@1']:.3f}  hit@3 {report['hit@3']:.3f}  MRR {report['mrr']:.3f}"
        "  (over answered and related replies)"
        f"   (retrieval alone: hit@1 {report['retrieval_only']['hit@1']:.3f}"
        f"  hit@3 {report['retrieval_only']['hit@3']:.3f})",
        "by language:",
    ]
    for lang, figures in report["by_language"].items():
        lines.append(
            f"  {lang}  n={figures['n']:<3} hit@1 {figures['hit@1']:.3f}  hit@3 {figures['hit@3']:.3f}"
            f"  MRR {figures['mrr']:.3f}"
        )
    lines += outcome_lines(report["outcomes"])
    lines += [
        f"off-topic answered firmly: {report['off_topic_answered']}/{report['off_topic']}"
        f"   answerable declined: {report['answerable_declined']}/{report['answerable']}"
        f"   answerable answered firmly: {report['answerable_firm']}/{report['answerable']}"
        f"   (threshold {report['threshold']})",
        f"firm answers whose direct answer quotes the evidence: {report['answer_holds_evidence']}"
        f"/{report['answerable_firm']}",
        "trade-off (threshold: answerable declined / off-topic answered):",
        "  "
        + "  ".join(
            f"{p['threshold']:.3f}:{p['answerable_declined']}/{p['off_topic_answered']}" for p in report["tradeoff"]
        ),
        "misses:" if report["misses"] else "misses: none",
    ]
    for m in report["misses"]:
        verdict = (
            f"{m['kind']} but answered"
            if not m["answerable"]
            else ("declined" if m["status"] == DECLINED else f"{m['status']}, rank {m['rank']}")
        )
        lines.append(f"  [{m['id']} {m['lang']}] {m['question']}  -> {verdict}")
        if m["answerable"]:
            lines.append(f"      expected: {' | '.join(m['expected'])}")
        lines.append(f"      returned: {m['returned'][0] if m['returned'] else '-'}")
    return "\n".join(lines)


def outcome_lines(table: dict) -> list[str]:
    """answered / related / declined per group, overall then per language."""
    lines = ["replies (answered / related / declined):"]
    for lang, groups in sorted(table.items(), key=lambda item: (item[0] != "all", item[0])):
        cells = [
            f"{group} {groups[group]['answered']}/{groups[group]['related']}/{groups[group]['declined']}"
            for group in GROUPS
            if group in groups
        ]
        lines.append(f"  {lang:<4} " + "   ".join(cells))
    return lines
