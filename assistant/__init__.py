"""Trợ lý GNBV: retrieval, answering, API, CLI and web page."""
