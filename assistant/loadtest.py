"""``python -m assistant loadtest [--url URL]``: concurrent clients against a server, with an optional soak.

Without ``--url`` a server is started in this process on a loopback port; with it, any running server
is tested (``serve`` on this machine or elsewhere). The clients ask the question set (``/api/ask``,
every fourth a ``/api/chat`` turn, every tenth a document list), bounded in count and time. With
``--key`` the soak also uploads a hostile file while the clients ask: a 60 KB .docx that inflates to
three million empty paragraphs, the file that once held the write lock for 13 minutes. It must fail
alone while the answers go on. The server's resident memory is sampled once a second when its
process can be found on this machine (by the port it listens on, through /proc).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import statistics
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from assistant.bench import percentile
from prompts import get_prompts

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def paragraph_bomb(paragraphs: int = 3_000_000) -> bytes:
    """A valid .docx of ``paragraphs`` empty paragraphs: ~60 KB on disk, ~20 MB of XML inflated."""
    body = "<w:p/>" * paragraphs
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", document)
    return out.getvalue()


def server_pid(url: str) -> int | None:
    """The process listening on the URL's port on this machine (Linux /proc), or None."""
    port = urlparse(url).port or 80
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(str(fd.readlink()) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    rss: list[float] = field(default_factory=list)
    upload: str = ""
    elapsed: float = 0.0


async def _clients(url: str, questions: list[str], clients: int, requests: int, timeout_s: float) -> LoadResult:
    result = LoadResult()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    deadline = time.monotonic() + timeout_s

    async def one(http: httpx.AsyncClient, i: int) -> None:
        question = questions[i % len(questions)]
        started = time.perf_counter()
        try:
            if i % 10 == 9:
                response = await http.get("/api/documents")
            elif i % 4 == 3:
                response = await http.post("/api/chat", json={"question": question})
            else:
                response = await http.post("/api/ask", json={"question": question, "top_k": 5})
            if response.status_code != 200:
                result.errors[f"HTTP {response.status_code}: {response.text[:120]}"] += 1
        except httpx.HTTPError as error:
            result.errors[type(error).__name__] += 1
        result.latencies.append((time.perf_counter() - started) * 1000)

    async def loop(http: httpx.AsyncClient) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            await one(http, queue.get_nowait())

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(loop(http) for _ in range(clients)))
        result.elapsed = time.perf_counter() - started
    return result


async def _hostile_upload(url: str, key: str, timeout_s: float) -> str:
    """Upload the paragraph bomb and follow its job: what happened to it, and how long it took."""
    headers = {"X-API-Key": key}
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as http:
        files = {"file": (f"bom-{int(time.time())}.docx", paragraph_bomb())}
        response = await http.post("/api/documents", files=files, params={"replace": "true"})
        if response.status_code != 202:
            return f"HTTP {response.status_code}: {response.text[:160]}"
        job_id = response.json()["job_id"]
        while time.perf_counter() - started < timeout_s:
            job = (await http.get(f"/api/jobs/{job_id}")).json()
            if job["status"] not in ("queued", "running"):
                return f"{job['status']} sau {time.perf_counter() - started:.1f} s: {job.get('message') or ''}"[:200]
            await asyncio.sleep(0.5)
    return get_prompts().cli.upload_unfinished.format(seconds=f"{timeout_s:.0f}")


async def _sample_rss(pid: int | None, into: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        into.append(rss_mb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def run(
    url: str,
    questions: list[str],
    clients: int = 32,
    requests: int = 2000,
    key: str | None = None,
    timeout_s: float = 900,
) -> tuple[dict[str, float], LoadResult]:
    """Figures of one load run against ``url`` (and a hostile upload when ``key`` is given)."""
    httpx.post(f"{url}/api/ask", json={"question": questions[0]}, timeout=120).raise_for_status()  # warm up
    pid = server_pid(url)

    async def main() -> LoadResult:
        stop = asyncio.Event()
        rss: list[float] = []
        sampler = asyncio.create_task(_sample_rss(pid, rss, stop))
        upload = asyncio.create_task(_hostile_upload(url, key, timeout_s)) if key else None
        result = await _clients(url, questions, clients, requests, timeout_s)
        result.upload = await upload if upload else ""
        stop.set()
        await sampler
        result.rss = rss
        return result

    result = asyncio.run(main())
    figures = {
        "clients": float(clients),
        "requests": float(len(result.latencies)),
        "errors": float(sum(result.errors.values())),
        "p50_ms": statistics.median(result.latencies),
        "p95_ms": percentile(result.latencies, 0.95),
        "throughput_rps": len(result.latencies) / result.elapsed,
        "rss_before_mb": result.rss[0] if result.rss else float("nan"),
        "rss_peak_mb": max(result.rss) if result.rss else float("nan"),
        "rss_after_mb": rss_mb(pid),
    }
    return figures, result
