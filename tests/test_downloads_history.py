"""Removing downloads (remove_download, clear_finished_downloads, clear_data "downloads",
restart_download), and the early life of a download: gestures, failures before any answer,
resume's first event."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from core.downloads.item import DownloadItem
from core.errors import DESTROYED
from core.session import Session
from core.web_contents import WebContents
from tests import download_server
from tests.download_server import DownloadServer, content, digest, finished, sha256, until

server, ses = download_server.server, download_server.ses  # the fixtures


def _events(item: DownloadItem) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for name in ("updated", "done"):
        item.on(name, lambda _event, state, name=name: seen.append((name, state)))
    return seen


def _announced(ses: Session) -> list[DownloadItem]:
    seen: list[DownloadItem] = []
    ses.on("will-download", lambda _event, item, _contents: seen.append(item))
    return seen


def test_remove_download_forgets_a_finished_one_and_refuses_one_in_progress(
        ses: Session, server: DownloadServer, run, tmp_path: Path) -> None:
    done = ses.download_url(server.url("/files/kept.txt?size=1000"))
    assert done is not None and run(finished(done)) == "completed"
    running = ses.download_url(server.url("/files/slow.bin?size=1000000&rate=200000"))
    assert running is not None
    run(until(lambda: running.get_received_bytes() > 0))
    running.pause()  # paused is still in progress
    with pytest.raises(ValueError, match="in progress"):
        ses.remove_download(running)
    with pytest.raises(ValueError, match="in progress"):
        ses._downloads.remove([done, running])  # all checked first: nothing changes
    with pytest.raises(TypeError, match="DownloadItem"):
        ses.remove_download("kept.txt")  # type: ignore[arg-type]
    assert ses.get_downloads() == [done, running]

    ses.remove_download(done)
    assert ses.get_downloads() == [running]
    with pytest.raises(RuntimeError, match=DESTROYED):
        done.get_state()
    assert (tmp_path / "kept.txt").read_bytes() == content("kept.txt", 1, 1000)
    with pytest.raises(RuntimeError, match=DESTROYED):
        ses.remove_download(done)  # already gone
    running.cancel()
    assert ses.clear_finished_downloads() == 1 and ses.get_downloads() == []


def test_removing_an_interrupted_download_drops_its_partial_bytes(
        ses: Session, server: DownloadServer, tmp_path: Path) -> None:
    target = tmp_path / "half.bin"
    target.write_bytes(b"x" * 500)
    item = ses.create_interrupted_download(
        path=str(target), url_chain=[server.url("/files/half.bin?size=1000")], offset=500,
        length=1000)
    assert item is not None and (tmp_path / "half.bin.part").is_file()
    assert ses.clear_finished_downloads() == 0  # interrupted is not finished
    ses.remove_download(item)
    assert list(tmp_path.iterdir()) == [] and ses.get_downloads() == []


def test_clear_data_downloads_filters_by_the_download_urls_origin(
        ses: Session, server: DownloadServer, run, tmp_path: Path) -> None:
    numeric = server.url("/files/a.txt?size=100")
    named = numeric.replace("127.0.0.1", "localhost").replace("a.txt", "b.txt")
    items = [ses.download_url(url) for url in (numeric, named)]
    for item in items:
        assert item is not None and run(finished(item)) == "completed"
    running = ses.download_url(server.url("/files/c.bin?size=1000000&rate=200000"))
    origin = server.url("")

    run(ses.clear_data(data_types=["downloads"], origins=["http://example.com"]))
    assert len(ses.get_downloads()) == 3
    run(ses.clear_data(data_types=["downloads"], exclude_origins=[origin]))
    assert ses.get_downloads() == [items[0], running]  # localhost's went
    run(ses.clear_data(data_types=["downloads"], origins=[origin]))
    assert ses.get_downloads() == [running]  # in progress: kept, as in Chromium
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".txt") == ["a.txt", "b.txt"]
    assert running is not None
    running.cancel()
    run(ses.clear_data())  # every type, downloads included
    assert ses.get_downloads() == []


def test_restart_download_keeps_the_custom_headers(
        ses: Session, server: DownloadServer, run) -> None:
    url = server.url("/files/h.bin?size=300000&rate=100000")
    first = ses.download_url(url, headers={"X-Token": "abc"})
    assert first is not None
    run(until(lambda: first.get_received_bytes() > 0))
    first.cancel()
    again = ses.restart_download(first)
    assert again is not None and first.is_destroyed() and ses.get_downloads() == [again]
    assert run(finished(again)) == "completed"
    assert [s.headers.get("x-token") for s in server.requests("/files/h.bin")] == ["abc", "abc"]
    assert digest(again.get_save_path()) == sha256("h.bin", 1, 300000)


def test_resume_reports_progressing_at_once(ses: Session, server: DownloadServer,
                                            tmp_path: Path, run) -> None:
    target = tmp_path / "r.bin"
    target.write_bytes(content("r.bin", 1, 4000)[:1000])
    item = ses.create_interrupted_download(
        path=str(target), url_chain=[server.url("/files/r.bin?size=4000")], offset=1000,
        length=4000, etag='"r.bin-v1"')
    assert item is not None
    seen = _events(item)
    item.resume()
    assert seen == [("updated", "progressing")]  # before a byte arrived
    assert run(finished(item)) == "completed" and seen[-1] == ("done", "completed")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file.bin", "http://127.0.0.1:{port}/x.bin"])
def test_a_download_that_fails_before_any_answer_is_announced_then_done(
        ses: Session, run, url: str) -> None:
    ses._downloads.configure(retries=0)
    announced = _announced(ses)
    item = ses.download_url(url.format(port=_closed_port()))
    assert item is not None
    seen = _events(item)
    run(until(lambda: ("done", "interrupted") in seen))
    assert announced == [item] and item.get_state() == "interrupted"
    assert item.get_interrupt_reason() and item.get_filename() in ("file.bin", "x.bin")
    assert ses.get_downloads() == [item]


def test_a_listener_can_veto_a_download_that_failed_early(ses: Session, run) -> None:
    ses._downloads.configure(retries=0)
    ses.once("will-download", lambda event, _item, _contents: event.prevent_default())
    item = ses.download_url("ftp://127.0.0.1/vetoed.bin")
    assert item is not None
    run(until(item.is_destroyed))
    assert ses.get_downloads() == []


def test_user_gesture_is_true_for_a_page_download_only(ses: Session, server: DownloadServer,
                                                       run) -> None:
    announced = _announced(ses)
    page = WebContents(ses)
    run(page.load_url(server.url("/page/start")))
    run(page.execute_javascript(
        "const a = document.createElement('a'); a.href = '/files/g.bin?size=100&cd=attachment';"
        "document.body.append(a); a.click(); true", user_gesture=True))
    run(until(lambda: len(announced) == 1))
    page.download_url(server.url("/files/api.bin?size=100"))
    run(until(lambda: len(announced) == 2))
    by_session = ses.download_url(server.url("/files/s.bin?size=100"))
    run(until(lambda: len(announced) == 3))
    assert [item.has_user_gesture() for item in announced] == [True, False, False]
    assert announced[2] is by_session
    for item in announced:
        assert run(finished(item)) == "completed"
    page.close()
