"""The engine, one folder per stage of answering (documents, text, index, ...)."""
