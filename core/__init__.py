"""Shared helpers that import nothing of the project: every other package may depend on this one."""
