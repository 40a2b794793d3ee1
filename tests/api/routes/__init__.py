"""One test module per router of assistant/api/routes."""
