"""Fit the firm-answer thresholds (index/answering/relevance.py) by cross-validation on tuning sets.

    .venv/bin/python eval/calibrate.py ../shared/eval/questions.jsonl eval/tuning.jsonl eval/tuning-extra.jsonl

Never pass eval/heldout.jsonl: nothing is fitted on the held-out set. For each question the
retrieval score and the evidence checks are computed once; then per-language firm thresholds, the
related threshold and the unknown-term share are chosen to minimise a cost (an answerable question
not answered firmly 1, declined 4 more; a trap answered firmly 4.5; an off-topic question not
declined 1.5), and 5-fold cross-validation reports what that choice gives on questions it did not see.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from citebot.index.answering import evidence
from citebot.index.answering.compose import direct_answer
from citebot.index.evaluation import first_hit, load_cases
from citebot.services import open_library
from citebot.settings import Settings

LANGS = ("zh", "en", "mn", "ko")
FIRM = [round(0.01 * i, 2) for i in range(30)]
RELATED = [round(-0.1 + 0.01 * i, 2) for i in range(20)]
SHARES = (0.4, 0.6, 0.8, 1.01)
TRAP_FIRM, ANSWERABLE_DECLINED, FAR_SHOWN = 4.5, 4.0, 1.5


def features(paths: list[str]) -> list[dict]:
    library = open_library(Settings())
    rows = []
    for case in (c for path in paths for c in load_cases(Path(path))):
        retrieval = library.retrieve(case.question)
        answer = (
            direct_answer(retrieval.query, retrieval.hits[0].window.text, library.embedder) if retrieval.hits else ""
        )
        verdict = evidence.check(case.question, answer, retrieval.unmatched)
        rows.append(
            {
                "lang": case.lang,
                "group": case.group,
                "score": retrieval.relevance.score,
                "rank": first_hit([h.chunk.text for h in retrieval.hits], case.evidence),
                "carried": verdict.carried and not verdict.unmatched.any_key,
                "share": verdict.unmatched.term_share,
            }
        )
    return rows


def status(row: dict, firm: dict, related: float, share: float) -> str:
    threshold = firm.get(row["lang"], 0.09)
    if row["score"] < min(related, threshold):
        return "declined"
    firm_ok = row["score"] >= threshold and row["carried"] and row["share"] <= share
    return "answered" if firm_ok else "related"


def cost(rows: list[dict], firm: dict, related: float, share: float) -> float:
    total = 0.0
    for row in rows:
        said = status(row, firm, related, share)
        if row["group"] == "answerable":
            total += (said != "answered") + ANSWERABLE_DECLINED * (said == "declined")
        else:
            total += TRAP_FIRM * (said == "answered") + FAR_SHOWN * (row["group"] == "far" and said != "declined")
    return total


def fit(rows: list[dict]) -> tuple[dict, float, float]:
    best = None
    for related in RELATED:
        for share in SHARES:
            firm = {}
            for lang in LANGS:
                own = [r for r in rows if r["lang"] == lang]
                firm[lang] = min(FIRM, key=lambda t, own=own: cost(own, {lang: t}, related, share))
            candidate = (cost(rows, firm, related, share), firm, related, share)
            if best is None or candidate[0] < best[0]:
                best = candidate
    return best[1], best[2], best[3]


def report(pairs: list[tuple[dict, str]]) -> None:
    for lang in ("all", *LANGS):
        mine = [(r, s) for r, s in pairs if lang in ("all", r["lang"])]
        answerable = [(r, s) for r, s in mine if r["group"] == "answerable"]
        traps = [s for r, s in mine if r["group"] != "answerable"]
        n = len(answerable) or 1
        hit1 = sum(s != "declined" and r["rank"] == 1 for r, s in answerable) / n
        hit3 = sum(s != "declined" and (r["rank"] or 9) <= 3 for r, s in answerable) / n
        firm = sum(s == "answered" for _, s in answerable) / n
        declined = sum(s == "declined" for _, s in answerable) / n
        trap_firm = traps.count("answered") / (len(traps) or 1)
        print(
            f"  {lang:3} hit@1 {hit1:.3f} hit@3 {hit3:.3f}  answerable firm {firm:.2f} declined {declined:.2f}"
            f"  traps firm {trap_firm:.2f}"
        )


def main(paths: list[str]) -> None:
    if any("heldout" in p for p in paths):
        sys.exit("nothing is fitted on the held-out set")
    rows = features(paths)
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    pairs = []
    for fold in (order[i::5] for i in range(5)):
        held = set(fold)
        firm, related, share = fit([rows[i] for i in order if i not in held])
        pairs += [(rows[i], status(rows[i], firm, related, share)) for i in fold]
    print("5-fold cross-validation (each question judged by thresholds fitted without it):")
    report(pairs)
    firm, related, share = fit(rows)
    print(f"fitted on all: firm {firm}, related {related}, unknown-term share {share}")


if __name__ == "__main__":
    main(sys.argv[1:])
