"""citebot: answers questions about documents with verbatim, cited excerpts."""

__version__ = "0.1.0"
