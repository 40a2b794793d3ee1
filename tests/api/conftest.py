"""Clients of the fast app with the access settings a test needs (the plain one is ``fast_client``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.support import fast

KEY = "khoa-thu"
WITH_KEY = {"X-API-Key": KEY}
ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_with(tmp_path: Path) -> Iterator[ClientFactory]:
    """``client_with(api_key=..., protect_reads=...)``: the app over the fixture documents, with these server
    settings, in a data dir of its own."""
    with ExitStack() as stack:

        def make(**server: Any) -> TestClient:
            settings = fast.fast_settings(tmp_path / f"data-{len(server)}-{time.monotonic_ns()}")
            settings = settings.model_copy(update={"server": settings.server.model_copy(update=server)})
            return stack.enter_context(TestClient(create_app(service=fast.fast_service(settings))))

        yield make


@pytest.fixture
def keyed_client(client_with: ClientFactory) -> TestClient:
    """Reads open, writes with ``WITH_KEY``."""
    return client_with(api_key=KEY)


def wait_for_job(client: TestClient, job_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=WITH_KEY).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")
