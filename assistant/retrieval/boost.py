"""What the question names, applied to the fused candidates: a passage of the asked year's document, of the
named Dự án / Tiểu dự án, of the asked field, or shaped like the asked answer scores higher."""

from __future__ import annotations

from assistant.retrieval.query import QueryIntent, mentions_field, names_project
from core.settings import RetrievalSettings
from core.text import fold
from ingest.models import Chunk, DocumentMeta


class Booster:
    """Pipeline step: a fused passage + the question's intent → the factor its fused score is multiplied by."""

    def __init__(self, settings: RetrievalSettings) -> None:
        # the settings bound both factors to ≥ 1: a boost never demotes
        self.year = settings.year_boost
        self.structure = settings.structure_boost

    def run(self, chunk: Chunk, meta: DocumentMeta | None, intent: QueryIntent) -> float:
        boost = 1.0
        if intent.years and meta is not None and set(intent.years) & set(meta.years):
            boost *= self.year
        path = fold(" ".join(chunk.section_path))
        if intent.projects and all(names_project(path, p) for p in intent.projects):
            boost *= self.structure
        if intent.field and (chunk.field == intent.field or mentions_field(path, intent.field)):
            boost *= self.structure
        if intent.answer_shape is not None and intent.answer_shape.search(chunk.text):
            boost *= self.structure
        return boost
