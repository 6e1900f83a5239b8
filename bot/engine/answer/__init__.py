"""Choosing the sentence that answers: the bold answer of a reply."""
