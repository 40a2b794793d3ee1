"""Every route's access rule, read from the app itself: a route added without one fails here."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.api.conftest import KEY, ClientFactory

PUBLIC = {("GET", "/"), ("GET", "/favicon.ico"), ("GET", "/api/web/texts")}
WRITE = {
    ("POST", "/api/documents"),
    ("DELETE", "/api/documents/{doc_id}"),
    ("GET", "/api/jobs/{job_id}"),
    ("DELETE", "/api/jobs/{job_id}"),
    ("GET", "/api/feedback/export"),
    ("POST", "/api/eval/sets"),
    ("POST", "/api/eval/runs"),
    ("PUT", "/api/eval/runs/{run_id}/answers/{question_id}/judgement"),
}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    app_routes = [r for r in client.app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    return sorted((method, r.path) for r in app_routes for method in r.methods)


def _call(client: TestClient, method: str, path: str, key: str | None = None) -> int:
    url = re.sub(r"\{[^}]+\}", "x", path)
    headers = {"X-API-Key": key} if key is not None else {}
    return client.request(method, url, headers=headers).status_code


def test_with_protected_reads_only_the_page_is_open(client_with: ClientFactory) -> None:
    client = client_with(api_key=KEY, protect_reads=True)
    for method, path in _routes(client):
        code = _call(client, method, path)
        assert (code != 401) == ((method, path) in PUBLIC), (method, path, code)
        assert _call(client, method, path, KEY) != 401, (method, path)


def test_with_open_reads_only_the_writes_need_the_key(keyed_client: TestClient) -> None:
    for method, path in _routes(keyed_client):
        code = _call(keyed_client, method, path)
        assert (code == 401) == ((method, path) in WRITE), (method, path, code)
        assert _call(keyed_client, method, path, "sai") == (401 if (method, path) in WRITE else code), (method, path)


def test_without_a_key_configured_no_write_is_accepted(fast_client: TestClient) -> None:
    for method, path in _routes(fast_client):
        if (method, path) in WRITE:
            assert _call(fast_client, method, path, KEY) == 403, (method, path)
