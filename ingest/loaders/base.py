"""What every format loader shares: the error it raises, its bounds and the external tools it calls."""

from __future__ import annotations

import shutil
import subprocess
from typing import Literal

from core.settings import LoaderSettings

Reason = Literal[
    "unreadable", "empty", "binary", "no_text_layer", "undecodable", "unsupported", "too_large", "tool_missing"
]
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".doc", ".pdf", ".xlsx", ".xls", ".html", ".htm")
_MESSAGES: dict[Reason, str] = {
    "unreadable": "Không đọc được tệp (hỏng, có mật khẩu hoặc không đúng định dạng)",
    "empty": "Tệp rỗng, không có nội dung văn bản",
    "binary": "Tệp nhị phân hoặc không phải văn bản tiếng người",
    "no_text_layer": "Tệp PDF không có lớp văn bản và nhận dạng chữ (OCR) không ra chữ nào",
    "undecodable": "Không giải mã được bảng mã của tệp",
    "unsupported": "Định dạng tệp không được hỗ trợ (chỉ nhận " + ", ".join(SUPPORTED_SUFFIXES) + ")",
    "too_large": "Tệp vượt giới hạn an toàn nên bị từ chối",
    "tool_missing": "Máy chủ thiếu công cụ để đọc loại tệp này",
}


class LoadError(Exception):
    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason: Reason = reason
        self.message = _MESSAGES[reason] + (f": {detail}" if detail else "")
        super().__init__(self.message)


def too_large(what: str, value: float, limit: float, unit: str = "") -> LoadError:
    return LoadError("too_large", f"{what} {_number(value)}{unit}, giới hạn {_number(limit)}{unit}")


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
    return LoadError("tool_missing", f"{names} (cài bằng: sudo apt-get install {packages}); các tệp khác vẫn được nạp")


def run_tool(args: list[str], settings: LoaderSettings, role: str) -> bytes:
    """Run one external command (``role`` as in ``APT_PACKAGES``) with the loader's time bound; its failure
    is this file's failure alone."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=settings.tool_timeout_s, check=False)
    except subprocess.TimeoutExpired as error:
        raise LoadError("too_large", f"{role} chạy quá {settings.tool_timeout_s:.0f} giây") from error
    except OSError as error:
        raise missing_tool(role) from error
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise LoadError("unreadable", f"{role}: {detail[-1] if detail else done.returncode}"[:300])
    return done.stdout
