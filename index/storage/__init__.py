"""Index generations on disk: building, the manifest, atomic swaps."""
