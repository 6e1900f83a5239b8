"""Documents → paragraphs (¶n) → passages: reading files and cleaning them."""
