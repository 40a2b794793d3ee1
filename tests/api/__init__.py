"""Tests of the HTTP API, mirrored on assistant/api."""
