"""The web page, its icon and its texts: public, since with protected reads the page must load to ask for the key
(none of them carries document text). The page's static files are mounted by ``assistant.api.app``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from assistant.api.deps import PromptsDep
from prompts import WebTexts, get_prompts

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
router = APIRouter()


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(WEB_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/api/web/texts", response_model=WebTexts, tags=[get_prompts().api.tags["web"]])
def web_texts(prompts: PromptsDep) -> WebTexts:
    return prompts.web
