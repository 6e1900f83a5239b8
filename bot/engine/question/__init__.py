"""What a question asks, whether it follows up, and its words in the documents' language."""
