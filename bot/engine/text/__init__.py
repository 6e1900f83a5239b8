"""The rules every stage shares, written once: script, normalisation, tokens, sentence ends, numerals."""
