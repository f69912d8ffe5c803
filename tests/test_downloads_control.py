"""The download controls: will-download, speed limits, segments, the queue, verification."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from core.downloads import ratelimit
from core.errors import DESTROYED
from core.session import Session
from tests import download_server
from tests.download_server import (
    DownloadServer,
    digest,
    finished,
    manager,
    sha256,
    until,
)

server, ses = download_server.server, download_server.ses  # the fixtures


def test_prevent_default_cancels_and_destroys_the_item(ses: Session, server: DownloadServer,
                                                       run, tmp_path: Path) -> None:
    seen: list[object] = []

    def veto(event, item, contents) -> None:  # type: ignore[no-untyped-def]
        assert item.get_filename() == "v.bin" and item.get_total_bytes() == 5000
        assert contents is None
        seen.append(item)
        event.prevent_default()

    ses.once("will-download", veto)
    item = ses.download_url(server.url("/files/v.bin?size=5000"))
    run(until(lambda: bool(seen)))
    assert seen == [item] and item.is_destroyed()
    for call in (item.get_state, item.get_url, item.pause, item.resume, item.cancel,
                 item.get_received_bytes, lambda: item.save_path):
        with pytest.raises(RuntimeError, match=DESTROYED):
            call()
    assert item not in ses.get_downloads()
    assert list(tmp_path.iterdir()) == []


def test_the_listener_chooses_the_save_path(ses: Session, server: DownloadServer, run,
                                            tmp_path: Path) -> None:
    target = tmp_path / "sub" / "chosen.data"
    target.parent.mkdir()

    def choose(event, item, contents) -> None:  # type: ignore[no-untyped-def]
        item.save_path = str(target)

    ses.once("will-download", choose)
    item = ses.download_url(server.url("/files/s.bin?size=3000"))
    assert run(finished(item)) == "completed"
    assert item.get_save_path() == str(target) and item.get_filename() == "chosen.data"
    assert digest(str(target)) == sha256("s.bin", 1, 3000)
    with pytest.raises(ValueError, match="absolute"):
        item.set_save_path("relative.bin")


def test_a_speed_limit_is_observed(ses: Session, server: DownloadServer, run) -> None:
    limit, size = 100_000, 250_000

    def slow(event, item, contents) -> None:  # type: ignore[no-untyped-def]
        item.set_speed_limit(limit)

    ses.once("will-download", slow)
    started = time.monotonic()
    item = ses.download_url(server.url(f"/files/lim.bin?size={size}"))
    assert run(finished(item)) == "completed"
    elapsed = time.monotonic() - started
    # The bucket may start with a quarter second of allowance (25 kB) before the limit bites.
    assert elapsed >= (size - limit / 4) / limit * 0.9
    assert digest(item.get_save_path()) == sha256("lim.bin", 1, size)
    with pytest.raises(ValueError, match="speed limit"):
        item.set_speed_limit(-5)


def test_the_global_speed_limit_holds_for_all_downloads(ses: Session, server: DownloadServer,
                                                        run) -> None:
    ratelimit.set_global_speed_limit(200_000)
    try:
        started = time.monotonic()
        items = [ses.download_url(server.url(f"/files/g{i}.bin?size=150000")) for i in range(2)]
        for item in items:
            assert run(finished(item)) == "completed"
        assert time.monotonic() - started >= (300_000 - 50_000) / 200_000 * 0.9
    finally:
        ratelimit.set_global_speed_limit(None)


def test_a_large_file_is_fetched_in_segments(ses: Session, server: DownloadServer, run) -> None:
    manager(ses).configure(segments=4, min_segment_size=256 * 1024)
    size = 2 * 1024 * 1024
    item = ses.download_url(server.url(f"/files/seg.bin?size={size}&rate=2000000"))
    assert run(finished(item)) == "completed"
    assert digest(item.get_save_path()) == sha256("seg.bin", 1, size)
    ranged = [s.headers for s in server.requests("/files/seg.bin") if "range" in s.headers]
    assert len(ranged) == 3  # the first request serves segment one
    assert all(h["if-range"] == '"seg.bin-v1"' for h in ranged)
    assert item.get_received_bytes() == size


def test_the_queue_runs_at_most_max_active(ses: Session, server: DownloadServer, run) -> None:
    manager(ses).configure(max_active=1)
    first = ses.download_url(server.url("/files/q1.bin?size=300000&rate=600000"))
    second = ses.download_url(server.url("/files/q2.bin?size=1000"))
    run(until(lambda: first.get_received_bytes() > 0))
    assert server.requests("/files/q2.bin") == []
    assert second.get_state() == "progressing" and second.get_received_bytes() == 0
    assert run(finished(first)) == "completed"
    assert run(finished(second)) == "completed"


def test_sha256_is_verified(ses: Session, server: DownloadServer, run) -> None:
    good = ses.download_url(server.url("/files/h1.bin?size=4000"))
    good.set_expected_sha256(sha256("h1.bin", 1, 4000).upper())
    assert run(finished(good)) == "completed"
    bad = ses.download_url(server.url("/files/h2.bin?size=4000"))
    bad.set_expected_sha256("0" * 64)
    assert run(finished(bad)) == "interrupted"
    assert bad.get_interrupt_reason().startswith("SHA-256 mismatch: expected 000")
    assert not Path(bad.get_save_path()).exists()
    with pytest.raises(ValueError, match="64 hex digits"):
        bad.set_expected_sha256("abc")


def test_a_vanished_folder_interrupts_on_resume(ses: Session, server: DownloadServer, run,
                                                tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    ses.set_download_path(str(folder))
    item = ses.download_url(server.url("/files/van.bin?size=1000000&rate=300000"))
    run(until(lambda: item.get_received_bytes() > 0))
    item.pause()
    shutil.rmtree(folder)
    item.resume()
    run(until(lambda: item.get_state() == "interrupted"))
    assert item.get_interrupt_reason() == f"The folder {folder} no longer exists"


def test_settings_are_validated(ses: Session) -> None:
    before = manager(ses).settings
    with pytest.raises(ValueError, match="max_active"):
        manager(ses).configure(max_active=0)
    with pytest.raises(TypeError, match="unknown"):
        manager(ses).configure(colour="red")
    assert manager(ses).settings == before


def test_create_interrupted_download_checks_its_arguments(ses: Session, tmp_path: Path) -> None:
    path = str(tmp_path / "a.bin")
    with pytest.raises(TypeError, match="absolute"):
        ses.create_interrupted_download(path="a.bin", url_chain=["http://x/"])
    with pytest.raises(TypeError, match="url_chain"):
        ses.create_interrupted_download(path=path, url_chain="http://x/")
    with pytest.raises(TypeError, match="offset"):
        ses.create_interrupted_download(path=path, url_chain=["http://x/"], offset=-1)
    with pytest.raises(ValueError, match="beyond"):
        ses.create_interrupted_download(path=path, url_chain=["http://x/"], offset=9, length=5)
    assert ses.get_downloads() == []
