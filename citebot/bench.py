"""`citebot bench`: how fast citebot is on this machine, measured against the model's own cost.

Never touches the live index: everything is built in a temporary directory. The Bot API part runs
the real bot against the Bot API stand-in of the source checkout (tests/botapi_stub.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from citebot import synthetic
from citebot.index.answering.cache import AnswerCache
from citebot.index.corpus.text import script_of
from citebot.index.library import Library
from citebot.index.retrieval.batching import SharedModel
from citebot.index.retrieval.embedding import make_embedder
from citebot.index.retrieval.search import Searcher
from citebot.index.storage import heap, store
from citebot.index.storage.build import build_index
from citebot.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent  # the source checkout, when run from one
SCRIPTS = {"han": "Chinese", "latin": "Latin-script", "cyrillic": "Cyrillic", "hangul": "Korean"}
STEADY_RATE = 20.0
BURST = 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def summary_ms(seconds: list[float]) -> dict:
    return {"n": len(seconds), "p50_ms": 1000 * percentile(seconds, 0.5), "p95_ms": 1000 * percentile(seconds, 0.95)}


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if "model name" in line), "")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def floor(library: Library, questions: list[str]) -> dict:
    """The bare forward pass of one question: what no answer can beat. As the bot runs it (on a model
    thread, one core) and, under `all_cores`, on every core from this thread: the fastest a lone
    pass can be, which is what the offline target is held against."""
    shared = library.embedder
    as_run = summary_ms([timed(functools.partial(shared.embed_queries, [q])) for q in questions])
    bare = getattr(shared, "embedder", shared)
    all_cores = summary_ms([timed(functools.partial(bare.embed_queries, [q])) for q in questions])
    return {**as_run, "all_cores": all_cores}


def offline(library: Library, questions: list[str], workers: int) -> dict:
    """Single questions one after another, then all of them at once from `workers` threads; no cache."""
    library.answers = AnswerCache(size=0)
    single = summary_ms([timed(functools.partial(library.answer, q)) for q in questions])
    with ThreadPoolExecutor(workers) as pool:
        elapsed = timed(lambda: list(pool.map(library.answer, questions)))
    cached = AnswerCache()
    library.answers = cached
    library.answer(questions[0])
    hit = summary_ms([timed(lambda: library.answer(questions[0])) for _ in range(20)])
    return {**single, "batch_questions_per_s": len(questions) / elapsed, "cached_answer": hit}


def indexing(data_dir: Path, index_dir: Path, embedder) -> dict:
    report = build_index(data_dir, index_dir, embedder)
    return {"chunks": report.chunks, "seconds": report.seconds, "chunks_per_s": report.chunks / report.seconds}


def rss_mb(pid: int | str = "self") -> float:
    return memory_mb(pid)["rss"]


def reset_peak_rss() -> None:
    """Start VmHWM again from the current resident memory (Linux; elsewhere the peak stays NaN)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """The most resident memory since the last reset_peak_rss, mapped index pages included."""
    return _status_mb("self", {"VmHWM:": "peak"})["peak"]


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident memory: all of it, the process's own (anonymous), and pages of mapped files (the
    index files read in place, which the kernel can drop and read again)."""
    return _status_mb(pid, {"VmRSS:": "rss", "RssAnon:": "anonymous", "RssFile:": "mapped_files"})


def _status_mb(pid: int | str, wanted: dict[str, str]) -> dict[str, float]:
    """The sizes of /proc/<pid>/status named in `wanted`, in MB, by their new names (NaN if absent)."""
    found = {name: float("nan") for name in wanted.values()}
    for line in _read_lines(f"/proc/{pid}/status"):
        key = line.split(maxsplit=1)[0] if line.strip() else ""
        if key in wanted:
            found[wanted[key]] = int(line.split()[1]) / 1024
    return found


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="citebot-bench-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run(
    settings: Settings, questions: list[str], scale_sizes: list[int], append_sizes: list[int], workers: int = 6
) -> dict:
    report: dict = {"machine": machine()}
    with scratch() as work:
        embedder = SharedModel(make_embedder(settings.embedding_backend, settings.embedding_model))
        report["model"] = embedder.name
        index_dir = work / "index"
        report["indexing"] = indexing(settings.data_dir, index_dir, embedder)
        library = Library.open(settings.data_dir, index_dir, embedder)
        for q in questions[:3]:
            library.answer(q)  # warm-up: tokenizer tables, jieba, first allocations
        report["floor"] = floor(library, questions)
        report["offline"] = offline(library, questions, workers)
        report["rss_mb_in_process"] = rss_mb()
        # Start-up before the crowd: the Bot API section leaves the machine busy for a while.
        report["start_up"] = start_up(settings, index_dir, work, questions)
        report["bot_api"] = bot_api(index_dir, questions, settings, work)
        sizes = [size for size in scale_sizes if size <= LOADING_UP_TO]
        report["loading"] = [loading(index_dir, work / f"loading-{size}", size, embedder) for size in sizes]
        report["appending"] = [
            appending(settings.data_dir, index_dir, work / f"appending-{size}", size, embedder, questions)
            for size in append_sizes
        ]
    report["scale"] = [scale(size) for size in scale_sizes]
    report["targets"] = targets(report)
    return report


def targets(report: dict) -> dict:
    floor_p50 = min(report["floor"]["p50_ms"], report["floor"]["all_cores"]["p50_ms"])
    result = {"offline_p50_over_floor": report["offline"]["p50_ms"] / floor_p50}
    bot = report.get("bot_api") or {}
    if "burst" in bot:
        result["burst_over_offline_batch"] = (
            bot["burst"]["questions_per_s"] / report["offline"]["batch_questions_per_s"]
        )
    return result


# -- through the Bot API ---------------------------------------------------------------------


def _stub_module():
    """The Bot API stand-in of the source checkout, or None when citebot is installed without it."""
    if str(REPO_ROOT) not in sys.path and (REPO_ROOT / "tests" / "botapi_stub.py").exists():
        sys.path.insert(0, str(REPO_ROOT))
    try:
        from tests import botapi_stub
    except ImportError:
        return None
    return botapi_stub


def timed_stub_class(botapi_stub: Any) -> Any:
    class TimedStub(botapi_stub.BotApiStub):
        """The stand-in, noting when each chat got its first message."""

        def __init__(self) -> None:
            super().__init__()
            self.first_reply_at: dict[int, float] = {}

        def _api_sendmessage(self, params: dict) -> dict:
            result = super()._api_sendmessage(params)
            self.first_reply_at.setdefault(result["chat"]["id"], time.perf_counter())
            return result

    return TimedStub


def bot_api(index_dir: Path, questions: list[str], settings: Settings, work: Path) -> dict:
    """The real bot in its own process (`citebot run`, as in production, where Telegram is another
    machine) against the stand-in in this one; the answer cache is off, so every question goes
    through the model, and the per-user limit too (each question comes from a new user anyway)."""
    botapi_stub = _stub_module()
    if botapi_stub is None:
        return {"skipped": "needs a source checkout: tests/botapi_stub.py is not importable"}
    stub = timed_stub_class(botapi_stub)().start()
    bot = _start_bot(
        stub, settings, index_dir, work / "crowd.sqlite3", CITEBOT_ANSWER_CACHE_SIZE="0", CITEBOT_USER_RATE_LIMIT="0"
    )
    try:
        users = iter(range(10_000_000, 20_000_000))
        warm_up = asyncio.run(_ask(stub, botapi_stub, users, questions[:1], 1, interval=0, timeout=300))
        if warm_up["unanswered"]:
            return {"skipped": "the bot did not answer within 300 s"}
        steady = asyncio.run(_ask(stub, botapi_stub, users, questions, BURST, interval=1 / STEADY_RATE))
        burst = asyncio.run(_ask(stub, botapi_stub, users, questions, BURST, interval=0))
        return {"steady_20_per_s": steady, "burst": burst}
    finally:
        _stop(bot)
        stub.stop()


async def _ask(
    stub, botapi_stub, users: Iterator[int], questions: list[str], count: int, interval: float, timeout: float = 120
) -> dict:
    """`count` questions, each from a new user, `interval` seconds apart; latency update -> sendMessage."""
    asked: dict[int, float] = {}
    started = time.perf_counter()
    for n in range(count):
        user = botapi_stub.User(id=next(users), first_name=f"U{n}", language_code="en")
        chat = botapi_stub.Chat.private(user)
        stub.add_chat(chat)
        asked[chat.id] = time.perf_counter()
        stub.push_text(chat, user, questions[n % len(questions)])
        if interval:
            await asyncio.sleep(max(0.0, started + (n + 1) * interval - time.perf_counter()))
    deadline = time.perf_counter() + timeout
    while not all(chat in stub.first_reply_at for chat in asked) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    answered = {chat: stub.first_reply_at[chat] - at for chat, at in asked.items() if chat in stub.first_reply_at}
    last = max((stub.first_reply_at[c] for c in answered), default=started)
    return {
        **summary_ms(list(answered.values())),
        "unanswered": count - len(answered),
        "questions_per_s": len(answered) / (last - started),
    }


# -- start-up ------------------------------------------------------------------------------


def start_up(settings: Settings, index_dir: Path, work: Path, questions: list[str]) -> dict:
    """Seconds to the first answer with an index and without, for the first question and, when there
    is one, for the first question in another script (a Chinese one loads jieba's dictionary first)."""
    botapi_stub = _stub_module()
    if botapi_stub is None:
        return {"skipped": "needs a source checkout: tests/botapi_stub.py is not importable"}
    first = questions[0]
    with_index = _time_to_first_answer(botapi_stub, settings, index_dir, work / "a.sqlite3", first)
    without = _time_to_first_answer(botapi_stub, settings, work / "fresh-index", work / "b.sqlite3", first)
    report = {
        "first_question": first,
        "with_index_s": with_index[0],
        "rss_mb_after_warm_up": with_index[1],
        "without_index_s": without[0],
    }
    other = next((q for q in questions if script_of(q) != script_of(first)), None)
    if other is not None:
        seconds, _ = _time_to_first_answer(botapi_stub, settings, index_dir, work / "c.sqlite3", other)
        report["other_script"] = {"question": other, "with_index_s": seconds}
    return report


def _time_to_first_answer(botapi_stub, settings: Settings, index_dir: Path, db: Path, question: str):
    """Seconds from `citebot run` to the first answer sent, and the bot's memory after 20 more answers."""
    stub = timed_stub_class(botapi_stub)().start()
    user = botapi_stub.User(id=4242, first_name="Bench", language_code="en")
    chat = botapi_stub.Chat.private(user)
    stub.add_chat(chat)
    started = time.perf_counter()
    process = _start_bot(stub, settings, index_dir, db, CITEBOT_USER_RATE_LIMIT="0")
    try:
        stub.push_text(chat, user, question)
        seconds = _wait_for(lambda: chat.id in stub.first_reply_at, 300) and stub.first_reply_at[chat.id] - started
        for n in range(20):
            stub.push_text(chat, user, f"{question} {n}")
        _wait_for(lambda: len(stub.sent_to(chat.id)) >= 21, 120)
        return seconds, rss_mb(process.pid)
    finally:
        _stop(process)
        stub.stop()


def _start_bot(stub, settings: Settings, index_dir: Path, db: Path, **extra: str) -> subprocess.Popen:
    """`citebot run` against the stand-in, configured from settings and `extra` environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=stub.token,
        TELEGRAM_API_BASE_URL=stub.base_url,
        CITEBOT_INDEX_DIR=str(index_dir),
        CITEBOT_DB_PATH=str(db),
        CITEBOT_DATA_DIR=str(settings.data_dir),
        CITEBOT_EMBEDDING_BACKEND=settings.embedding_backend,
        **extra,
    )
    if settings.embedding_model:
        env["CITEBOT_EMBEDDING_MODEL"] = settings.embedding_model
    return subprocess.Popen(
        [sys.executable, "-c", "from citebot.cli import main; main()", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    if process.poll() is None:
        process.kill()


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.01)
    return True


# -- scale ---------------------------------------------------------------------------------


def scale(size: int, dimension: int = 384, queries: int = 200, judged: int = 50, seed: int = 7) -> dict:
    """A generated collection of `size` chunks (clustered random vectors, synthetic latent terms and
    words; no model runs): the structures the Searcher uses built over it, their build time and memory,
    the fused search's p50/p95 from precomputed question vectors and terms (no forward pass), and its
    recall@10 against the exact fused ranking over every chunk (on `judged` of the questions)."""
    rng = np.random.default_rng(seed)
    collection = synthetic.collection(rng, size, dimension)
    asked = synthetic.questions(rng, collection, queries)
    started = time.perf_counter()
    hybrid = synthetic.hybrid_index(collection)
    build_s = time.perf_counter() - started
    latencies = [timed(functools.partial(top_rows, hybrid, q)) for q in asked]
    recall = recall_at_10(collection, hybrid, asked[:judged])
    appended = synthetic.appended_hybrid_index(rng, collection, APPENDED_PARTS, APPENDED_SHARE)
    appended_latencies = [timed(functools.partial(top_rows, appended, q)) for q in asked]
    return {
        "chunks": size,
        "index_type": store.describe(hybrid.dense),
        "sparse_terms_per_chunk": int(hybrid.sparse.indices.shape[1]),
        "build_s": build_s,
        "index_memory_mb": {name: mb for name, mb in synthetic.memory_mb(hybrid).items()},
        **summary_ms(latencies),
        "recall_at_10": recall,
        "judged": judged,
        "after_appends": {
            "parts": APPENDED_PARTS,
            "share_each": APPENDED_SHARE,
            **summary_ms(appended_latencies),
            "recall_at_10": recall_at_10(collection, appended, asked[:judged]),
        },
    }


# An appended collection: its last parts were appended in the running bot (store.combined), so their
# BM25 postings are segments with heads of their own, and their vectors FAISS shards of their own.
APPENDED_PARTS = 3
APPENDED_SHARE = 0.01


def recall_at_10(collection, hybrid, asked: list) -> float:
    """Share of the exact fused top 10 (every chunk scored, float vectors) that the fast search finds."""
    found = [top_rows(hybrid, q) for q in asked]
    exact = [synthetic.exact_top(collection, hybrid, q, 10) for q in asked]
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]))


# Writing a replicated generation in the real format takes minutes at a million chunks: `--append-to`
# loads collections of that size (and appends to them); this section times smaller ones.
LOADING_UP_TO = 200_000


def loading(index_dir: Path, target: Path, size: int, embedder) -> dict:
    """Seconds to load a generation of `size` chunks in the real format (verified, shape-checked, BM25
    postings read back) and to build the searcher over it (paragraphs, prior, translation tables):
    what a restart or a swap costs."""
    generation = synthetic.replicate_generation(store.load(index_dir), target, size)
    gc.collect()
    heap.trim()
    before = rss_mb()
    reset_peak_rss()
    started = time.perf_counter()
    stored = store.load(target)
    loaded = time.perf_counter()
    peak = peak_rss_mb()
    Searcher(stored, embedder)
    return {
        "chunks": size,
        "files_mb": sum(p.stat().st_size for p in generation.iterdir()) / 2**20,
        "load_s": loaded - started,
        "load_peak_mb": peak - before,
        "searcher_s": time.perf_counter() - loaded,
    }


def appending(data_dir: Path, index_dir: Path, target: Path, size: int, embedder, questions: list[str]) -> dict:
    """Seconds to make the documents of `data_dir` citable in a collection of `size` chunks that the
    bot has loaded: `/reindex` appends them (only their chunks are embedded), and the first answer
    after it. The collection is the live index replicated in the real format (synthetic.py).
    Memory: what the collection adds to the process (the model was loaded before) once loaded,
    after it answered the questions, and after the append; and the peaks while loading and appending."""
    synthetic.replicate_generation(store.load(index_dir), target / "index", size)
    shutil.copytree(data_dir, target / "data")
    gc.collect()
    heap.trim()  # else the replica's garbage, trimmed by the first load, is counted off the collection
    before = memory_mb()

    def added() -> dict[str, float]:
        return {name: value - before[name] for name, value in memory_mb().items()}

    reset_peak_rss()
    started = time.perf_counter()
    library = Library.open(target / "data", target / "index", embedder)
    loaded = time.perf_counter()
    peaks = {"loading": peak_rss_mb() - before["rss"]}
    memory = {"loaded": added()}
    for question in questions:
        library.answer(question)
    memory[f"after {len(questions)} questions"] = added()
    reset_peak_rss()
    appending_started = time.perf_counter()
    report = library.reindex()
    appended = time.perf_counter()
    peaks["appending"] = peak_rss_mb() - before["rss"]
    answer = library.answer(questions[0])
    answered = time.perf_counter()
    memory["after the append"] = added()
    new = {d.id for d in library.documents()}
    return {
        "chunks": size,
        "documents_appended": report.appended,
        "chunks_appended": report.chunks - size,
        "load_s": loaded - started,
        "index_memory_mb": memory,
        "peak_mb": peaks,
        "append_s": appended - appending_started,
        "first_answer_s": answered - appended,
        "citable": any(e.doc in new for e in answer.excerpts),
    }


def top_rows(hybrid, question, k: int = 10) -> list[int]:
    """The real fused search path (candidates, exact scoring on them, ranking), without the model."""
    rows, _ = hybrid.legs(question).ranked(hybrid.prior)
    return rows[:k].tolist()


def render(report: dict) -> str:
    lines = [
        f"{report['machine']['date']}  {report['machine']['cpu']}  {report['machine']['cores']} cores  "
        f"load {', '.join(f'{x:.1f}' for x in report['machine']['load_average'])}  model {report['model']}"
    ]
    floor_, offline_ = report["floor"], report["offline"]
    lines.append(
        f"floor (bare forward pass): p50 {floor_['p50_ms']:.1f} ms  p95 {floor_['p95_ms']:.1f} ms on a model thread "
        f"(one core); p50 {floor_['all_cores']['p50_ms']:.1f} ms on every core"
    )
    lines.append(
        f"offline answers: p50 {offline_['p50_ms']:.1f} ms  p95 {offline_['p95_ms']:.1f} ms  "
        f"({report['targets']['offline_p50_over_floor']:.2f}x the faster floor); batch "
        f"{offline_['batch_questions_per_s']:.1f} q/s; cached p50 {offline_['cached_answer']['p50_ms']:.2f} ms"
    )
    index = report["indexing"]
    lines.append(
        f"indexing: {index['chunks']} chunks in {index['seconds']:.1f} s ({index['chunks_per_s']:.1f} chunks/s)"
    )
    for name, phase in report["bot_api"].items():
        if isinstance(phase, dict):
            lines.append(
                f"bot API {name}: p50 {phase['p50_ms']:.0f} ms  p95 {phase['p95_ms']:.0f} ms  "
                f"{phase['questions_per_s']:.1f} q/s  unanswered {phase['unanswered']}"
            )
        else:
            lines.append(f"bot API: {phase}")
    start = report["start_up"]
    if "skipped" in start:
        lines.append(f"start-up: {start['skipped']}")
    else:
        lines.append(
            f"start-up to first answer: {start['with_index_s']:.2f} s with an index, "
            f"{start['without_index_s']:.1f} s without ({SCRIPTS.get(script_of(start['first_question']), 'first')} question); "
            f"RSS after warm-up {start['rss_mb_after_warm_up']:.0f} MB"
        )
        if "other_script" in start:
            other = start["other_script"]
            lines.append(
                f"start-up to first answer, {SCRIPTS.get(script_of(other['question']), 'other')} question: "
                f"{other['with_index_s']:.2f} s with an index"
            )
    lines += [scale_line(s) for s in report["scale"]]
    lines += [
        f"loading {x['chunks']:,} chunks in the real format ({x['files_mb']:.0f} MB): verified and parsed "
        f"{x['load_s']:.1f} s (peak {x['load_peak_mb']:.0f} MB more resident), searcher built {x['searcher_s']:.1f} s"
        for x in report.get("loading", [])
    ]
    lines += [
        f"appending {x['documents_appended']} document(s), {x['chunks_appended']} chunks, to {x['chunks']:,} chunks "
        f"loaded by the bot: citable after {x['append_s']:.1f} s (first answer {x['first_answer_s']:.2f} s, "
        f"{'cites it' if x['citable'] else 'does NOT cite it'}); loading the collection took {x['load_s']:.1f} s; "
        "the memory it adds: "
        + "; ".join(f"{when} {memory_line(m)}" for when, m in x["index_memory_mb"].items())
        + f"; peak while loading {x['peak_mb']['loading']:.0f} MB, while appending {x['peak_mb']['appending']:.0f} MB"
        for x in report.get("appending", [])
    ]
    return "\n".join(lines)


def memory_line(memory: dict) -> str:
    return f"{memory['rss']:.0f} MB ({memory['anonymous']:.0f} MB own, {memory['mapped_files']:.0f} MB of mapped files)"


def scale_line(s: dict) -> str:
    memory = s["index_memory_mb"]
    parts = ", ".join(f"{name} {mb:.0f}" for name, mb in memory.items() if name != "total")
    appended = s["after_appends"]
    return (
        f"scale {s['chunks']:,} chunks ({s['index_type']}, {s['sparse_terms_per_chunk']} latent terms a chunk): "
        f"build {s['build_s']:.1f} s, index {memory['total']:.0f} MB ({parts}), fused search p50 {s['p50_ms']:.2f} ms "
        f"p95 {s['p95_ms']:.2f} ms, recall@10 {s['recall_at_10']:.3f} against the exact fused ranking; "
        f"with {appended['parts']} appended parts of {appended['share_each']:.0%} each: p50 {appended['p50_ms']:.2f} ms "
        f"p95 {appended['p95_ms']:.2f} ms, recall@10 {appended['recall_at_10']:.3f}"
    )
