"""Certificate errors of real pages: the session's "certificate-error" event, remembered
exceptions, revocation (in the run and across a restart)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from core import session
from core.events import Event
from core.session import Session
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.tls_servers import HttpsServer, Pki, load

ROOT = Path(__file__).resolve().parent.parent
AUTHORITY_INVALID = "net::ERR_CERT_AUTHORITY_INVALID"


Listener = Callable[..., None]
CALLBACK = 5
"""Where the callback is in a listener's arguments (the event first)."""


def _answering(ses: Session, *answer: bool) -> list[tuple[Any, ...]]:
    """Every event's arguments; each is answered with ``callback(*answer)`` (nothing: no
    answer at all)."""
    seen: list[tuple[Any, ...]] = []

    def listener(*args: Any) -> None:
        seen.append(args)
        if answer:
            args[CALLBACK](*answer)

    ses.on("certificate-error", listener)
    return seen


def test_without_an_answer_the_certificate_is_refused(run, unique: str,
                                                      https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    lonely, silent = session.from_partition(f"{unique}-a"), session.from_partition(f"{unique}-b")
    seen = _answering(silent)
    assert run(load(lonely, https_server.url("/page"))) == AUTHORITY_INVALID
    assert run(load(silent, https_server.url("/page"))) == AUTHORITY_INVALID
    assert len(seen) == 1


def test_the_event_describes_the_error_and_an_allow_loads_the_page(
        run, unique: str, https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    seen = _answering(ses, True)
    assert run(load(ses, https_server.url("/page?title=Allowed"))) == "Allowed"
    [(event, contents, url, error, certificate, _, is_main_frame)] = seen
    assert isinstance(event, Event)
    assert is_main_frame is True
    assert isinstance(contents, WebContents) and contents.session is ses
    assert (url, error) == (https_server.url("/page?title=Allowed"), AUTHORITY_INVALID)
    assert (certificate.subject_name, certificate.issuer_name) == ("127.0.0.1",
                                                                   "Partita Test CA")
    assert ses.get_certificate_exceptions() == []  # allowed once, not remembered


def test_a_subresource_s_error_is_not_the_main_frame_s(
        run, unique: str, http_server: HttpServer, https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    seen = _answering(ses, False)
    image = https_server.url("/asset.gif")
    page = http_server.url(f"/page?title=Host&body={quote(f'<img src={image}>')}")

    async def scenario() -> str:
        contents = WebContents(ses)
        try:
            await contents.load_url(page)
            return str(await contents.execute_javascript(
                "new Promise(done => { const image = document.images[0];"
                " if (image.complete) done(image.naturalWidth ? 'loaded' : 'failed');"
                " image.onload = () => done('loaded'); image.onerror = () => done('failed'); })"))
        finally:
            contents.close()

    assert run(scenario()) == "failed"
    [(_, _, url, error, _, _, is_main_frame)] = seen
    assert (url, error, is_main_frame) == (image, AUTHORITY_INVALID, False)
    assert https_server.requests() == []


def test_a_later_answer_after_prevent_default_decides(run, unique: str,
                                                      https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    allow_ses, deny_ses = (session.from_partition(f"{unique}-{n}") for n in ("allow", "deny"))

    def later(allow: bool) -> Listener:
        def listener(*args: Any) -> None:
            args[0].prevent_default()  # as a prompt does: the answer comes from the user, later
            asyncio.get_running_loop().call_soon(args[CALLBACK], allow)
        return listener

    allow_ses.on("certificate-error", later(True))
    deny_ses.on("certificate-error", later(False))
    assert run(load(allow_ses, https_server.url("/page?title=Later"))) == "Later"
    assert run(load(deny_ses, https_server.url("/page"))) == AUTHORITY_INVALID


def test_remembered_exception_is_listed_and_revoking_refuses_it_again_in_this_run(
        run, unique: str, https_server: HttpsServer, pki: Pki) -> None:  # type: ignore[no-untyped-def]
    ses, other = session.from_partition(f"{unique}-a"), session.from_partition(f"{unique}-b")
    seen = _answering(ses, True, True)
    _answering(other, True)
    assert run(load(ses, https_server.url("/page?title=One"))) == "One"
    [exception] = ses.get_certificate_exceptions()
    fingerprint = seen[0][4].fingerprint
    assert exception == {"host": "127.0.0.1", "fingerprint": fingerprint,
                         "error": AUTHORITY_INVALID, "subject_name": "127.0.0.1",
                         "issuer_name": "Partita Test CA",
                         "valid_expiry": pki.leaf.cert.not_valid_after_utc.timestamp()}
    assert ses.settings.get("certificate_exceptions") == [exception]
    ses.revoke_certificate_exception("127.0.0.1", "sha256/someOtherCertificate=")
    assert run(load(ses, https_server.url("/page?title=Two"))) == "Two"  # another certificate's
    ses.revoke_certificate_exception("127.0.0.1", fingerprint)
    assert ses.get_certificate_exceptions() == []
    # Chromium still remembers the certificate for this run; the router refuses it.
    assert run(load(ses, https_server.url("/page"))) == AUTHORITY_INVALID
    assert run(load(other, https_server.url("/page?title=Other"))) == "Other"
    with pytest.raises(ValueError, match="host name"):
        ses.revoke_certificate_exception("")
    with pytest.raises(ValueError, match="sha256/"):
        ses.revoke_certificate_exception("127.0.0.1", "md5:00")


def test_the_callback_names_bad_arguments(run, unique: str, https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    problems: list[Exception] = []

    def listener(*args: Any) -> None:
        try:
            args[CALLBACK]("yes")
        except TypeError as error:
            problems.append(error)
        args[CALLBACK](False)

    ses.on("certificate-error", listener)
    assert run(load(ses, https_server.url("/page"))) == AUTHORITY_INVALID
    assert "'yes'" in str(problems[0])


def _child(data: Path, mode: str, url: str) -> dict[str, Any]:
    env = dict(os.environ, PARTITA_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    env.pop("XDG_DATA_HOME", None)
    env.pop("PARTITA_ORIGINAL_XDG_DATA_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.tls_child", mode, "persist:tls", url],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_exceptions_and_ssl_config_survive_a_restart_and_a_revoke_too(
        tmp_path: Path, https_server: HttpsServer) -> None:
    url = https_server.url("/page?title=Kept")
    first = _child(tmp_path, "remember", url)
    assert (first["loaded"], first["asked"]) == ("Kept", [AUTHORITY_INVALID])
    again = _child(tmp_path, "check", url)
    # Accepted without asking: the exception was re-applied.
    assert (again["loaded"], again["asked"]) == ("Kept", [])
    assert again["exceptions"] == first["exceptions"] and len(again["exceptions"]) == 1
    assert again["ssl"] == {"min_version": "tls1.2", "max_version": "tls1.3",
                            "disabled_cipher_suites": [0x009C]}
    revoked = _child(tmp_path, "revoke", url)
    assert (revoked["loaded"], revoked["exceptions"]) == (AUTHORITY_INVALID, [])
    after = _child(tmp_path, "check", url)
    assert (after["loaded"], after["asked"]) == (AUTHORITY_INVALID, [AUTHORITY_INVALID])
