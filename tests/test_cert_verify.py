"""set_certificate_verify_proc: the router fetches the chain, the proc decides, per session."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from core import session
from core.net.cert_verify import CertificateVerifyRequest
from core.session import Session
from tests.tls_servers import HttpsServer, Pki, load

AUTHORITY_INVALID = "net::ERR_CERT_AUTHORITY_INVALID"


class Recorder:
    """A verify proc answering ``verdict`` (later, on the loop, as a prompt would), and the
    ``certificate-error`` events of its session."""

    def __init__(self, ses: Session, verdict: int) -> None:
        self.verdict = verdict
        self.requests: list[CertificateVerifyRequest] = []
        self.errors: list[str] = []
        ses.set_certificate_verify_proc(self.proc)
        ses.on("certificate-error", self.certificate_error)

    def proc(self, request: CertificateVerifyRequest, callback: Callable[[int], None]) -> None:
        self.requests.append(request)
        asyncio.get_running_loop().call_soon(callback, self.verdict)

    def certificate_error(self, event: Any, contents: Any, url: str, error: str,
                          certificate: Any, callback: Callable[..., None],
                          is_main_frame: bool) -> None:
        self.errors.append(error)
        callback(True)


def test_verdicts_accept_refuse_or_leave_it_to_chromium(run, unique: str,
                                                          https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    url = https_server.url("/page?title=Verified")
    sessions = {verdict: session.from_partition(f"{unique}{verdict}") for verdict in (0, -2, -3)}
    recorders = {verdict: Recorder(ses, verdict) for verdict, ses in sessions.items()}

    async def scenario() -> dict[int, str]:
        return {verdict: await load(ses, url) for verdict, ses in sessions.items()}

    assert run(scenario()) == {0: "Verified", -2: "net::ERR_FAILED", -3: "Verified"}
    # 0: Chromium's own certificate error is accepted without asking the session's
    # listeners; -3: Chromium decides, and its error reaches the listeners.
    assert [recorders[v].errors for v in (0, -2, -3)] == [[], [], [AUTHORITY_INVALID]]


def test_the_request_describes_the_chain_and_the_router_s_verification(
        run, unique: str, https_server: HttpsServer, pki: Pki) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder(session.from_partition(unique), -2)
    run(load(session.from_partition(unique), https_server.url("/page")))
    [request] = recorder.requests
    leaf = request.certificate
    assert request.hostname == "127.0.0.1"
    assert (request.verification_result, request.error_code) == (AUTHORITY_INVALID, -202)
    assert request.is_issued_by_known_root is False
    digest = base64.b64encode(hashlib.sha256(pki.leaf.der).digest()).decode()
    assert leaf.fingerprint == f"sha256/{digest}"
    assert leaf["fingerprint"] == leaf.fingerprint
    assert (leaf.subject_name, leaf.issuer_name) == ("127.0.0.1", "Partita Test CA")
    assert leaf.subject.organizations == ("Partita Tests",)
    assert int(leaf.serial_number, 16) == pki.leaf.cert.serial_number
    assert leaf.valid_expiry == pki.leaf.cert.not_valid_after_utc.timestamp()
    assert leaf.data.startswith("-----BEGIN CERTIFICATE-----")
    assert leaf.issuer_cert is not None and leaf.issuer_cert.subject_name == "Partita Test CA"
    assert leaf.issuer_cert.issuer_cert is None
    assert request.validated_certificate == leaf  # nothing validated: the chain as sent


def test_the_proc_is_asked_once_per_host_and_certificate_in_its_session(
        run, unique: str, https_server: HttpsServer, pki: Pki) -> None:  # type: ignore[no-untyped-def]
    first, second = session.from_partition(f"{unique}-1"), session.from_partition(f"{unique}-2")
    one, two = Recorder(first, 0), Recorder(second, 0)
    changed = HttpsServer(pki.other_leaf)  # same host, another certificate
    try:
        async def scenario() -> list[str]:
            return [await load(first, https_server.url("/page?title=A")),
                    await load(first, https_server.url("/page?title=B")),
                    await load(second, https_server.url("/page?title=C")),
                    await load(first, changed.url("/page?title=D"))]

        assert run(scenario()) == ["A", "B", "C", "D"]
    finally:
        changed.close()
    assert len(one.requests) == 2 and len(two.requests) == 1
    assert one.requests[0].certificate.fingerprint == two.requests[0].certificate.fingerprint
    assert one.requests[1].certificate.fingerprint != one.requests[0].certificate.fingerprint


def test_removing_the_proc_gives_chromium_the_decision_back(run, unique: str,
                                                            https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    recorder = Recorder(ses, -2)
    assert run(load(ses, https_server.url("/page"))) == "net::ERR_FAILED"
    ses.set_certificate_verify_proc(None)
    assert run(load(ses, https_server.url("/page?title=Back"))) == "Back"
    assert recorder.errors == [AUTHORITY_INVALID]
    with pytest.raises(TypeError, match="callable"):
        ses.set_certificate_verify_proc(5)  # type: ignore[arg-type]
