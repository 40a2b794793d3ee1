"""Answer composers: extractive (default) and optional LLM."""
