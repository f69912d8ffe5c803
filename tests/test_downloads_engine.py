"""Our HTTP download engine against a real local server: bytes, names, resume, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.session import Session
from tests import download_server
from tests.download_server import (
    DownloadServer,
    content,
    digest,
    finished,
    manager,
    sha256,
    until,
)

server, ses = download_server.server, download_server.ses  # the fixtures


def test_download_url_saves_the_exact_bytes(ses: Session, server: DownloadServer, run,
                                            tmp_path: Path) -> None:
    item = ses.download_url(server.url("/files/plain.bin?size=300000"))
    assert item is not None
    assert run(finished(item)) == "completed"
    assert item.get_save_path() == str(tmp_path / "plain.bin")
    assert digest(item.get_save_path()) == sha256("plain.bin", 1, 300000)
    assert item.get_received_bytes() == item.get_total_bytes() == 300000
    assert item.get_percent_complete() == 100
    assert item.get_etag() == '"plain.bin-v1"'
    assert item.get_mime_type() == "application/octet-stream"
    assert item.get_filename() == "plain.bin"
    assert item.get_end_time() >= item.get_start_time() > 0
    assert not (tmp_path / "plain.bin.part").exists()
    assert ses.get_downloads()[-1] is item


def test_the_request_carries_the_sessions_cookies_user_agent_and_headers(
        ses: Session, server: DownloadServer, run) -> None:
    from core.web_contents import WebContents

    page = WebContents(ses)
    run(page.load_url(server.url("/page/cookies")))  # sets an HttpOnly and a plain cookie
    ses.set_user_agent("PartitaTest/1.0")
    item = ses.download_url(server.url("/files/c.bin?size=1000"), headers={"X-Extra": "yes"})
    assert run(finished(item)) == "completed"
    seen = server.requests("/files/c.bin")[-1].headers
    assert "httponly=secret" in seen["cookie"] and "plain=visible" in seen["cookie"]
    assert seen["user-agent"] == "PartitaTest/1.0"
    assert seen["x-extra"] == "yes"
    assert seen["accept-encoding"] == "identity"
    page.close()


def test_headers_must_be_a_mapping(ses: Session, server: DownloadServer) -> None:
    with pytest.raises(TypeError, match="Invalid value for headers - must be an object"):
        ses.download_url(server.url("/files/x.bin"), headers=[("a", "b")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="line break"):
        ses.download_url(server.url("/files/x.bin"), headers={"X": "a\r\nb"})
    assert ses.get_downloads() == []


def test_redirects_fill_the_url_chain(ses: Session, server: DownloadServer, run) -> None:
    item = ses.download_url(server.url("/redirect/2?to=/files/r.bin"))
    assert run(finished(item)) == "completed"
    assert item.get_url_chain() == [server.url("/redirect/2?to=/files/r.bin"),
                                    server.url("/redirect/1?to=/files/r.bin"),
                                    server.url("/files/r.bin")]
    assert item.get_url() == server.url("/files/r.bin")
    assert item.get_filename() == "r.bin"


def test_cancel_removes_the_partial_file_and_keeps_the_total(
        ses: Session, server: DownloadServer, run, tmp_path: Path) -> None:
    item = ses.download_url(server.url("/files/slow.bin?size=2000000&rate=200000"))
    run(until(lambda: item.get_received_bytes() > 0))
    assert item.get_state() == "progressing"
    assert (tmp_path / "slow.bin.part").exists()
    states: list[str] = []
    item.on("done", lambda _e, state: states.append(state))
    item.cancel()
    assert states == ["cancelled"] and item.get_state() == "cancelled"
    assert item.get_total_bytes() == 2000000
    assert not (tmp_path / "slow.bin.part").exists() and not (tmp_path / "slow.bin").exists()
    assert not item.can_resume()


def test_pause_and_resume_continue_with_a_validated_range(
        ses: Session, server: DownloadServer, run) -> None:
    item = ses.download_url(server.url("/files/p.bin?size=1500000&rate=500000"))
    run(until(lambda: item.get_received_bytes() > 100000))
    updates: list[str] = []
    item.on("updated", lambda _e, state: updates.append(state))
    item.pause()
    assert item.is_paused() and item.can_resume() and item.get_state() == "progressing"
    assert updates == ["progressing"]
    held = item.get_received_bytes()
    assert item.get_current_bytes_per_second() == 0
    item.resume()
    assert not item.is_paused()
    assert run(finished(item)) == "completed"
    assert digest(item.get_save_path()) == sha256("p.bin", 1, 1500000)
    resumed = server.requests("/files/p.bin")[-1].headers
    assert resumed["range"] in (f"bytes={held}-", f"bytes={held}-1499999")
    assert resumed["if-range"] == '"p.bin-v1"'


def _partial(tmp_path: Path, name: str, size: int, offset: int, version: int = 1) -> str:
    path = tmp_path / name
    path.write_bytes(content(name, version, size)[:offset])
    return str(path)


def test_create_interrupted_download_resumes_to_the_exact_file(
        ses: Session, server: DownloadServer, run, tmp_path: Path) -> None:
    size, offset = 400000, 123457
    path = _partial(tmp_path, "ci.bin", size, offset)
    url = server.url("/files/ci.bin?size=400000")
    announced: list[object] = []
    ses.on("will-download", lambda _e, item, contents: announced.append((item, contents)))
    item = ses.create_interrupted_download(
        path=path, url_chain=[url], mime_type="application/x-test", offset=offset,
        length=size, last_modified="Tue, 14 Nov 2023 22:13:20 GMT", etag='"ci.bin-v1"',
        start_time=1700000000.5)
    assert item is not None and announced == [(item, None)]
    assert item.get_state() == "interrupted" and item.can_resume()
    assert item.get_url_chain() == [url] and item.get_save_path() == path
    assert item.get_mime_type() == "application/x-test"
    assert item.get_received_bytes() == offset and item.get_total_bytes() == size
    assert item.get_etag() == '"ci.bin-v1"'
    assert item.get_last_modified_time() == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert item.get_start_time() == 1700000000.5
    item.resume()
    assert run(finished(item)) == "completed"
    assert digest(path) == sha256("ci.bin", 1, size)
    seen = server.requests("/files/ci.bin")
    assert len(seen) == 1
    assert seen[0].headers["range"] == f"bytes={offset}-{size - 1}"
    assert seen[0].headers["if-range"] == '"ci.bin-v1"'


def test_a_changed_etag_restarts_from_zero(ses: Session, server: DownloadServer, run,
                                           tmp_path: Path) -> None:
    size = 300000
    path = _partial(tmp_path, "chg.bin", size, 100000)
    server.bump("chg.bin")  # the server now has version 2
    item = ses.create_interrupted_download(
        path=path, url_chain=[server.url("/files/chg.bin?size=300000")], offset=100000,
        length=size, etag='"chg.bin-v1"')
    assert item is not None
    item.resume()
    assert run(finished(item)) == "completed"
    assert digest(path) == sha256("chg.bin", 2, size)  # never spliced with version 1
    assert item.get_etag() == '"chg.bin-v2"'


def test_a_server_without_ranges_restarts_cleanly(ses: Session, server: DownloadServer, run,
                                                 tmp_path: Path) -> None:
    size = 200000
    path = _partial(tmp_path, "nr.bin", size, 50000)
    item = ses.create_interrupted_download(
        path=path, url_chain=[server.url("/files/nr.bin?size=200000&norange=1")],
        offset=50000, length=size, etag='"nr.bin-v1"')
    assert item is not None
    item.resume()
    assert run(finished(item)) == "completed"
    assert digest(path) == sha256("nr.bin", 1, size)


def test_a_complete_partial_file_is_finished_by_a_416(ses: Session, server: DownloadServer,
                                                      run, tmp_path: Path) -> None:
    size = 5000
    path = _partial(tmp_path, "all.bin", size, size)
    item = ses.create_interrupted_download(
        path=path, url_chain=[server.url("/files/all.bin?size=5000")], offset=size, etag='"x"')
    assert item is not None
    item.resume()
    assert run(finished(item)) == "completed"
    assert digest(path) == sha256("all.bin", 1, size)


def test_a_bad_authorization_header_interrupts(ses: Session, server: DownloadServer,
                                               run) -> None:
    item = ses.download_url(server.url("/auth/secret.bin"), headers={"Authorization": "Bearer x"})
    assert run(finished(item)) == "interrupted"
    assert "401" in item.get_interrupt_reason()
    good = ses.download_url(server.url("/auth/secret.bin"),
                            headers={"Authorization": "Bearer good"})
    assert run(finished(good)) == "completed"


def test_transient_failures_are_retried(ses: Session, server: DownloadServer, run) -> None:
    item = ses.download_url(server.url("/flaky/f.bin?fails=2&size=10000"))
    assert run(finished(item)) == "completed"
    assert digest(item.get_save_path()) == sha256("f.bin", 1, 10000)
    assert len(server.requests("/flaky/f.bin")) == 3


def test_retries_give_up_after_the_configured_count(ses: Session, server: DownloadServer,
                                                    run) -> None:
    manager(ses).configure(retries=1)
    item = ses.download_url(server.url("/flaky/g.bin?fails=5"))
    run(until(lambda: item.get_state() == "interrupted"))
    assert "503" in item.get_interrupt_reason()
    assert len(server.requests("/flaky/g.bin")) == 2


def test_a_short_read_resumes_where_it_stopped(ses: Session, server: DownloadServer,
                                               run) -> None:
    item = ses.download_url(server.url("/files/cut.bin?size=500000&cut=100000"))
    assert run(finished(item)) == "completed"
    assert digest(item.get_save_path()) == sha256("cut.bin", 1, 500000)
    second = server.requests("/files/cut.bin")[-1].headers
    assert second["range"] == "bytes=100000-499999" and second["if-range"] == '"cut.bin-v1"'


def test_names_are_unique_and_never_replace_a_file(ses: Session, server: DownloadServer, run,
                                                   tmp_path: Path) -> None:
    (tmp_path / "u.bin").write_bytes(b"mine")
    first = ses.download_url(server.url("/files/u.bin?size=1000"))
    second = ses.download_url(server.url("/files/u.bin?size=1000"))
    assert run(finished(first)) == run(finished(second)) == "completed"
    assert {first.get_filename(), second.get_filename()} == {"u (1).bin", "u (2).bin"}
    assert (tmp_path / "u.bin").read_bytes() == b"mine"


@pytest.mark.parametrize("disposition", [
    'attachment; filename="../../evil.sh"',
    "attachment; filename*=UTF-8''..%2F..%2Fevil.sh",
    'attachment; filename="..\\\\..\\\\evil.sh"',
])
def test_a_hostile_server_name_stays_in_the_folder(ses: Session, server: DownloadServer, run,
                                                   tmp_path: Path, disposition: str) -> None:
    import urllib.parse

    item = ses.download_url(server.url(
        "/files/h.bin?size=100&cd=" + urllib.parse.quote(disposition)))
    assert run(finished(item)) == "completed"
    assert item.get_save_path() == str(tmp_path / "evil.sh")
    assert item.get_content_disposition() == disposition
    assert not (tmp_path.parent.parent / "evil.sh").exists()


def test_a_read_only_folder_interrupts_with_a_reason(ses: Session, server: DownloadServer, run,
                                                     tmp_path: Path) -> None:
    import os
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    root = os.geteuid() == 0  # root ignores permission bits; the immutable flag stops it
    if root and subprocess.run(["chattr", "+i", str(folder)], check=False).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i")
    if not root:
        folder.chmod(0o555)
    try:
        ses.set_download_path(str(folder))
        item = ses.download_url(server.url("/files/ro.bin?size=1000"))
        run(until(lambda: item.get_state() == "interrupted"))
        assert "No permission to write to the folder" in item.get_interrupt_reason()
        assert str(folder) in item.get_interrupt_reason()
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_disk_full_interrupts_and_keeps_the_bytes(ses: Session, server: DownloadServer, run,
                                                  tmp_path: Path) -> None:
    target = tmp_path / "full.bin"
    (tmp_path / "full.bin.part").symlink_to("/dev/full")  # every write fails with ENOSPC

    def choose(_event: object, item, _contents: object) -> None:  # type: ignore[no-untyped-def]
        item.set_save_path(str(target))

    ses.once("will-download", choose)
    item = ses.download_url(server.url("/files/full.bin?size=1000"))
    run(until(lambda: item.get_state() == "interrupted"))
    assert item.get_interrupt_reason().startswith("Disk full")
    assert item.can_resume() and item.get_received_bytes() == 0
