"""Retrieval core: documents, chunking, embeddings, FAISS index, search and answers."""
