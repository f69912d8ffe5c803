"""Downloads Chromium starts (page.download, data:, a form POST) behind the same DownloadItem."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.downloads.item import DownloadItem
from core.errors import DESTROYED, NotSupportedError
from core.session import Session
from core.web_contents import WebContents
from tests import download_server
from tests.download_server import (
    DownloadServer,
    finished,
    sha256,
    until,
)

server, ses = download_server.server, download_server.ses  # the fixtures


def _announced(ses: Session) -> list[tuple[object, DownloadItem, object]]:
    seen: list[tuple[object, DownloadItem, object]] = []
    ses.on("will-download", lambda event, item, contents: seen.append((event, item, contents)))
    return seen


def test_a_page_download_is_taken_over_by_our_engine(ses: Session, server: DownloadServer,
                                                     run) -> None:
    page = WebContents(ses)
    run(page.load_url(server.url("/page/start")))
    seen = _announced(ses)
    page.download_url(server.url("/files/pd.bin?size=50000"))
    run(until(lambda: bool(seen)))
    _event, item, contents = seen[0]
    assert contents is page
    assert run(finished(item)) == "completed"
    assert Path(item.get_save_path()).read_bytes() and item.get_received_bytes() == 50000
    import hashlib

    assert hashlib.sha256(Path(item.get_save_path()).read_bytes()).hexdigest() == sha256(
        "pd.bin", 1, 50000)
    ours = server.requests("/files/pd.bin")[-1].headers
    assert ours["accept-encoding"] == "identity"  # our engine's request, not Chromium's
    assert ours["referer"] == server.url("/page/start")
    item.set_speed_limit(1000)  # our engine: limits work
    page.close()


def test_a_data_url_stays_with_chromium(ses: Session, run, tmp_path: Path) -> None:
    seen = _announced(ses)
    assert ses.download_url("data:text/plain,hello%20partita") is None
    run(until(lambda: bool(seen)))
    item = seen[0][1]
    assert seen[0][2] is None
    assert run(finished(item)) == "completed"
    assert Path(item.get_save_path()).read_text() == "hello partita"
    assert Path(item.get_save_path()).parent == tmp_path
    with pytest.raises(NotSupportedError, match="Chromium"):
        item.set_speed_limit(1000)
    assert item in ses.get_downloads()


def test_a_form_post_download_stays_with_chromium(ses: Session, server: DownloadServer,
                                                  run) -> None:
    page = WebContents(ses)
    run(page.load_url(server.url("/page/form")))
    seen = _announced(ses)
    run(page.execute_javascript("document.querySelector('form').submit(); true"))
    run(until(lambda: bool(seen)))
    item = seen[0][1]
    assert run(finished(item)) == "completed"
    assert Path(item.get_save_path()).read_bytes() == b"posted body"
    assert [s.method for s in server.requests("/post")] == ["POST"]  # never fetched with GET
    page.close()


def test_prevent_default_cancels_a_chromium_download(ses: Session, run,
                                                     tmp_path: Path) -> None:
    vetoed: list[DownloadItem] = []

    def veto(event, item, contents) -> None:  # type: ignore[no-untyped-def]
        vetoed.append(item)
        event.prevent_default()

    ses.once("will-download", veto)
    ses.download_url("data:text/plain,no")
    run(until(lambda: bool(vetoed)))
    run(asyncio.sleep(0))
    with pytest.raises(RuntimeError, match=DESTROYED):
        vetoed[0].get_state()
    assert vetoed[0] not in ses.get_downloads()
    assert list(tmp_path.iterdir()) == []
