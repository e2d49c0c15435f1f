"""Optional second stage: a sentence-transformers CrossEncoder reorders the retrieved candidates."""

from __future__ import annotations

from citebot.index.retrieval.embedding import EmbedderError, resolve_packaged_model


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise EmbedderError("the reranker needs the 'st' extra (sentence-transformers)") from exc
        try:
            self._model = CrossEncoder(resolve_packaged_model(model), device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError or HF hub errors
            raise EmbedderError(f"cannot load cross-encoder {model!r}: {exc}") from exc
        self.name = model

    def scores(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        return [float(s) for s in self._model.predict([(question, p) for p in passages], show_progress_bar=False)]
