"""Ingest's pure part: a file → its metadata, lines and chunks with typed facts (no index, no model).

load → normalise → structure → metadata → chunk → facts. Writing them into the index is
assistant.index.indexer's job, a layer above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from ingest.chunking import Chunker
from ingest.facts import FactExtractor
from ingest.loaders import collection_loader
from ingest.metadata import extract_metadata, load_places, make_doc_id
from ingest.models import Chunk, DocumentMeta
from ingest.normalize import Normalizer
from ingest.structure import StructureParser


@dataclass
class ParsedDocument:
    meta: DocumentMeta
    lines: list[str]
    chunks: list[Chunk]


def parse_document(path: Path, settings: Settings) -> ParsedDocument:
    """Everything but embedding: the pure part of ingest, used by tests and `docs show`."""
    source = collection_loader(settings).run(path)
    places = load_places(settings.localities_file, settings.provinces_file)
    meta = extract_metadata(source, make_doc_id(path), places).model_copy(
        update={"sha256": source.sha256, "path": str(path.resolve()), "source": path.name, "pages": source.pages}
    )
    blocks = Normalizer().run(source)
    placed = StructureParser().run(blocks)
    chunker = Chunker(settings.chunking.max_chars, settings.chunking.min_chars)
    chunks = FactExtractor().run(chunker.run(meta, placed, source.lines))
    return ParsedDocument(meta, source.lines, chunks)
