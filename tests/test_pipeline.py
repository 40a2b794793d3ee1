"""Ingest end to end: incremental, no stale chunks, bad files reported, crash-safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.catalog import IndexMismatchError
from assistant.index.indexer import IngestPipeline
from assistant.index.store import Store
from core.settings import Settings
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration


def _consistent(store: Store) -> None:
    """Catalog, vectors and lexical index hold exactly the same chunks."""
    catalog_ids = store.catalog.chunk_ids()
    assert store.vector_ids() == catalog_ids
    assert set(store.lexical().ids) == catalog_ids


def test_reingest_without_change_writes_nothing(indexed_settings: Settings) -> None:
    store = Store(indexed_settings)
    version = store.catalog.version()
    report = IngestPipeline(store).run([CORPUS_DIR])
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert store.catalog.version() == version
    assert store.embeddings.model_calls == 0
    _consistent(store)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("000_73905b5b1f629f25.txt", "001_840e6b9a28383439.txt"):
        (folder / name).write_bytes((CORPUS_DIR / name).read_bytes())
    return folder


def _settings(base: Settings, data_dir: Path) -> Settings:
    return base.model_copy(update={"data_dir": data_dir})


def test_changed_file_leaves_no_stale_chunk_and_deleted_file_goes(
    indexed_settings: Settings, small_corpus: Path, tmp_path: Path
) -> None:
    store = Store(_settings(indexed_settings, tmp_path / "data"))
    IngestPipeline(store).run([small_corpus])
    changed = small_corpus / "001_840e6b9a28383439.txt"
    old_text = "Tỷ lệ nghèo đa chiều (gồm tỷ lệ hộ nghèo và hộ cận nghèo) giảm 0.5%."
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(old_text, "Tỷ lệ nghèo đa chiều giảm 0.9%."), "utf-8"
    )
    report = IngestPipeline(store).run([small_corpus])
    statuses = {Path(o.path).name: o.status for o in report.outcomes}
    assert statuses == {"000_73905b5b1f629f25.txt": "unchanged", "001_840e6b9a28383439.txt": "updated"}
    texts = " ".join(c.text for c in store.catalog.chunks("001_840e6b9a28383439"))
    assert "giảm 0.9%" in texts and old_text not in texts
    _consistent(store)
    assert not any("giảm 0.5%." in store.catalog.chunk(i).text for i, _ in store.lexical().search("giam 0.5%", 5))  # type: ignore[union-attr]

    (small_corpus / "000_73905b5b1f629f25.txt").unlink()
    report = IngestPipeline(store).run([small_corpus])
    assert [o.status for o in report.outcomes if o.status == "deleted"] == ["deleted"]
    assert [d.doc_id for d in store.catalog.documents()] == ["001_840e6b9a28383439"]
    _consistent(store)


def test_bad_files_get_their_reason_and_do_not_stop_the_rest(
    indexed_settings: Settings, small_corpus: Path, tmp_path: Path
) -> None:
    (small_corpus / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    (small_corpus / "anh.txt").write_bytes(bytes(range(256)) * 4)
    (small_corpus / "rong.txt").write_bytes(b"   \n\n")
    result = CliRunner().invoke(app, ["ingest", str(small_corpus), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1, result.output
    store = Store(_settings(indexed_settings, tmp_path / "data"))
    report = {o.doc_id: o for o in IngestPipeline(store).run([small_corpus]).outcomes}
    assert report["hong"].reason == "unreadable"
    assert report["anh"].reason == "binary"
    assert report["rong"].reason == "empty"
    assert len(store.catalog.documents()) == 2
    for name in ("hong.docx", "anh.txt", "rong.txt", "unreadable", "binary", "empty"):
        assert name in result.output
    assert "Đang nạp 1/5: 000_73905b5b1f629f25.txt" in result.output  # progress in a log, one line a file
    assert "Đang nạp 5/5: rong.txt" in result.output


def test_kill_during_ingest_leaves_a_usable_index_and_the_next_run_completes(
    indexed_settings: Settings, small_corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    store = Store(_settings(indexed_settings, data))
    IngestPipeline(store).run([small_corpus / "000_73905b5b1f629f25.txt"])
    before = store.catalog.chunk_ids()
    for name in ("002_b8091ea745fe2cf1.txt", "003_d7b9b51839828f5a.txt"):
        (small_corpus / name).write_bytes((CORPUS_DIR / name).read_bytes())
    env = {**os.environ, "GNBV_DATA_DIR": str(data), "GNBV_MODELS_DIR": str(indexed_settings.models_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(small_corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(Store(_settings(indexed_settings, data)).catalog.documents()) < 2:
        time.sleep(0.2)  # wait until it is mid-way: some documents written, others not
    process.send_signal(signal.SIGKILL)
    process.wait()
    survivor = Store(_settings(indexed_settings, data))
    assert before <= survivor.catalog.chunk_ids()  # what was indexed is still there
    assert survivor.lexical().search("hộ cận nghèo", 3)
    report = IngestPipeline(survivor).run([small_corpus])
    assert not report.failed
    assert len(survivor.catalog.documents()) == 4
    _consistent(survivor)


def _with_model(settings: Settings, model: str) -> Settings:
    return settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"model": model})})


def test_fingerprint_follows_what_shapes_the_index(indexed_settings: Settings) -> None:
    base = Store(indexed_settings).fingerprint
    model = str(indexed_settings.models_dir / "multilingual-e5-small")
    assert Store(_with_model(indexed_settings, model)).fingerprint != base
    chunking = indexed_settings.chunking.model_copy(update={"max_chars": 900})
    assert Store(indexed_settings.model_copy(update={"chunking": chunking})).fingerprint != base
    faster = indexed_settings.embedding.model_copy(update={"batch_size": 8, "threads": 1})  # speed, same vectors
    assert Store(indexed_settings.model_copy(update={"embedding": faster})).fingerprint == base


def test_model_change_reembeds_everything_and_readers_refuse_until_then(
    indexed_settings: Settings, small_corpus: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = Store(_settings(indexed_settings, data))
    IngestPipeline(first).run([small_corpus])
    chunks = first.catalog.chunk_ids()
    assert first.vector_ids() == chunks

    # the same weights named by their directory: another model setting, so another index
    model = str(indexed_settings.models_dir / "multilingual-e5-small")
    reader = Store(_with_model(_settings(indexed_settings, data), model))
    assert reader.collection_name != first.collection_name
    with pytest.raises(IndexMismatchError, match="mô hình nhúng"):
        reader.dense_search([0.0] * 384, 5)
    with pytest.raises(IndexMismatchError, match="ingest"):
        reader.lexical()
    env = {**os.environ, "GNBV_DATA_DIR": str(data), "GNBV_MODELS_DIR": str(indexed_settings.models_dir)}
    served = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--port", "1"],
        env={**env, "GNBV_EMBEDDING__MODEL": model},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert "python -m assistant ingest" in served.stdout.replace("\n", " ")

    report = IngestPipeline(reader).run([small_corpus])
    assert {o.status for o in report.outcomes} == {"updated"}  # nothing "unchanged" under a new model
    reader.verify()
    assert reader.vector_ids() == reader.catalog.chunk_ids() == chunks
    assert reader.dense_search(reader.embeddings.embed_query("hộ cận nghèo"), 3)
    assert {o.status for o in IngestPipeline(reader).run([small_corpus]).outcomes} == {"unchanged"}
    with pytest.raises(IndexMismatchError):  # and the first settings now find an index not theirs
        Store(_settings(indexed_settings, data)).verify()
    assert first.collection_name not in {c.name for c in reader.client.list_collections()}  # reclaimed

    reader.drop_vectors()  # vectors lost (a Chroma dir deleted, another server): not "unchanged" without them
    assert {o.status for o in IngestPipeline(reader).run([small_corpus]).outcomes} == {"updated"}
    assert reader.vector_ids() == reader.catalog.chunk_ids()
