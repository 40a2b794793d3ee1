"""/, /favicon.ico and /api/web/texts: public, so that with protected reads the page can load and ask for the key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import KEY, ClientFactory


def test_the_page_its_icon_and_texts_are_served_without_the_key(client_with: ClientFactory) -> None:
    client = client_with(api_key=KEY, protect_reads=True)
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/favicon.ico").headers["content-type"] == "image/svg+xml"
    texts = client.get("/api/web/texts")
    assert texts.status_code == 200 and texts.json()
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/api/web/config").status_code == 401  # the document labels are not public


def test_unknown_paths_are_a_404_in_vietnamese(fast_client: TestClient) -> None:
    response = fast_client.get("/khong-co")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "/khong-co" in response.json()["message"]
