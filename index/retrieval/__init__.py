"""The retrieval legs (dense, latent-term, lexical with its term recipes) and their fusion."""
