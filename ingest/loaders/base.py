"""What every format loader shares: the error it raises, its bounds and the external tools it calls."""

from __future__ import annotations

import shutil
import subprocess
from typing import Literal

from core.settings import LoaderSettings
from prompts import get_prompts

Reason = Literal[
    "unreadable", "empty", "binary", "no_text_layer", "undecodable", "unsupported", "too_large", "tool_missing"
]
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".doc", ".pdf", ".xlsx", ".xls", ".html", ".htm")


class LoadError(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason: Reason = reason
        # the sentence per reason is in prompts/vi.toml [ingest.reasons]
        sentence = get_prompts().ingest.reasons[reason].format(suffixes=", ".join(SUPPORTED_SUFFIXES))
        self.message = sentence + (f": {detail}" if detail else "")
        super().__init__(self.message)


def too_large(what: str, value: float, limit: float, unit: str = "", name: str = "") -> LoadError:
    """``what`` is a key of [ingest.limits] in prompts/vi.toml; ``name`` the archive part it is about."""
    texts = get_prompts().ingest
    label = texts.limits[what].format(name=name)
    return LoadError("too_large", texts.limit.format(what=label, value=_number(value), limit=_number(limit), unit=unit))


def _number(value: float) -> str:
    """Vietnamese grouping (3.000.000), as the officer reading the message writes numbers."""
    return f"{value:,.0f}".replace(",", ".") if value >= 10 else f"{value:.1f}".replace(".", ",")


# Debian package of each external command, for the message that tells an administrator what to install.
APT_PACKAGES = {
    "tesseract": "tesseract-ocr tesseract-ocr-vie",
    "pdftoppm": "poppler-utils",
    "antiword": "antiword",
    "soffice": "libreoffice-writer-nogui",
}


def find_tool(command: str) -> str | None:
    return shutil.which(command)


def missing_tool(*roles: str) -> LoadError:
    """``roles`` are keys of ``APT_PACKAGES``: the message names what to install, whatever the command is called."""
    packages = " ".join(dict.fromkeys(APT_PACKAGES[role] for role in roles))
    names = ", ".join(roles)
    return LoadError("tool_missing", get_prompts().ingest.tool_install.format(names=names, packages=packages))


def run_tool(args: list[str], settings: LoaderSettings, role: str) -> bytes:
    """Run one external command (``role`` as in ``APT_PACKAGES``) with the loader's time bound; its failure
    is this file's failure alone."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=settings.tool_timeout_s, check=False)
    except subprocess.TimeoutExpired as error:
        seconds = f"{settings.tool_timeout_s:.0f}"
        raise LoadError("too_large", get_prompts().ingest.tool_timeout.format(role=role, seconds=seconds)) from error
    except OSError as error:
        raise missing_tool(role) from error
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise LoadError("unreadable", f"{role}: {detail[-1] if detail else done.returncode}"[:300])
    return done.stdout
