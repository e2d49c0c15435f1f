"""citebot: answers questions about documents with verbatim, cited excerpts."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("citebot")  # the one source is pyproject.toml
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
