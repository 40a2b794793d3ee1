"""Shared fixtures and the two tiers.

The full tier: the real corpus (read from ../shared, never copied) parsed and indexed once per session with
the real e5 model (``corpus``, ``indexed_settings``, ``service``), browsers, servers. The fast tier
(``fast_settings``, ``fast_service``, ``fast_client``): a real assistant over the hand-written documents of
tests/fixtures/fast with the hash embedder and an in-memory Chroma, built afresh for each test in well under a
second. A test is ``full`` when it asks for a full-tier fixture, is marked ``integration``, or is marked ``full``
itself (OCR, LibreOffice, the ALQAC laws, child interpreters: seconds each); `make test-fast` runs the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from core.settings import ChunkSettings, Settings, get_settings
from core.text import split_lines
from ingest.chunking import Chunker
from ingest.models import Block, Chunk, DocumentMeta, SourceText
from ingest.normalize import Normalizer
from ingest.structure import PlacedBlock, StructureParser
from tests.support import fast

if TYPE_CHECKING:
    from assistant.service import AssistantService

CORPUS_DIR = get_settings().corpus_dir
ALQAC_DIR = CORPUS_DIR.parent / "benchmarks" / "alqac2023"
CORPUS_FILES = sorted(CORPUS_DIR.glob("0*.txt"))
FULL_FIXTURES = frozenset({"corpus", "indexed_settings", "service"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``full``: what needs the real model, the real corpus or its index (see the module doc)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & FULL_FIXTURES or item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.full)


@dataclass
class Parsed:
    path: Path
    lines: list[str]
    blocks: list[Block]
    placed: list[PlacedBlock]
    chunks: list[Chunk]

    def footnote_lines(self) -> set[int]:
        return {n for b in self.blocks if b.kind == "footnote" for n in b.source_lines}


def parse_text_file(path: Path, chunking: ChunkSettings | None = None) -> Parsed:
    """Normalise, structure and chunk one UTF-8 file (no loader, no metadata: the units under test)."""
    chunking = chunking or ChunkSettings()
    lines = split_lines(path.read_text(encoding="utf-8"))
    source = SourceText(path=path, lines=lines, encoding="utf-8", sha256="")
    blocks = Normalizer().run(source)
    placed = StructureParser().run(blocks)
    meta = DocumentMeta(doc_id=path.stem, source=path.name, path=str(path), title=path.stem)
    chunks = Chunker(chunking.max_chars, chunking.min_chars).run(meta, placed, lines)
    return Parsed(path, lines, blocks, placed, chunks)


@pytest.fixture(autouse=True)
def _no_model_in_the_fast_tier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast test that reaches for the e5 model fails at once instead of loading it for a minute."""
    if request.node.get_closest_marker("full") is None:

        def refuse(*_: object) -> None:
            raise AssertionError("the fast tier loads no model: use the fast_* fixtures, or mark the test full")

        monkeypatch.setattr("ingest.embeddings.load_encoder", refuse)


@pytest.fixture(scope="session")
def corpus() -> dict[str, Parsed]:
    if not CORPUS_FILES:
        pytest.fail(f"corpus not found at {CORPUS_DIR} (set GNBV_CORPUS_DIR)")
    return {p.name[:3]: parse_text_file(p) for p in CORPUS_FILES}


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus ingested once per session into its own data dir (models shared, built once)."""
    from assistant.index.indexer import IngestPipeline
    from assistant.index.store import Store

    settings = get_settings().model_copy(update={"data_dir": tmp_path_factory.mktemp("index")})
    report = IngestPipeline(Store(settings)).run([CORPUS_DIR])
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def service(indexed_settings: Settings) -> AssistantService:
    from assistant.service import AssistantService

    return AssistantService(indexed_settings)


@pytest.fixture
def fast_settings(tmp_path: Path) -> Settings:
    return fast.fast_settings(tmp_path / "data")


@pytest.fixture
def fast_service(fast_settings: Settings) -> AssistantService:
    return fast.fast_service(fast_settings)


@pytest.fixture
def fast_client(fast_service: AssistantService) -> Iterator[TestClient]:
    """The whole app (lifespan, job worker, middleware) over ``fast_service``."""
    from assistant.api.app import create_app

    with TestClient(create_app(service=fast_service)) as client:
        yield client
