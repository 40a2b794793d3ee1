"""The index: catalog (SQLite), vectors (Chroma), lexical (BM25); built from ingest's chunks."""
