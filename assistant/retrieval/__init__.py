"""Retrieval: question analysis, dense and lexical search, rank fusion."""
