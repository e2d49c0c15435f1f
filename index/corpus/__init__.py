"""Documents: reading files, cleaning scraped pages, sentences and chunks."""
