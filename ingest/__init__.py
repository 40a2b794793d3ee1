"""Ingest: load, normalise, structure, chunk and index the document collection."""
