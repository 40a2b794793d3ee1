"""Test helpers: a hash embedder and an assistant over hand-written fixtures, for the fast tier."""
