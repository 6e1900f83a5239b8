"""Building the index from paragraphs and storing it on disk (build time only)."""
