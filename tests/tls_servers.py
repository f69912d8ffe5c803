"""TLS servers on 127.0.0.1 for the tests: a generated CA and leaf certificates, an HTTPS
server (tests.servers' routes over TLS) and ``openssl s_server`` held to one TLS version.

The CA is not in any trust store, so Chromium reports ``CERT_AUTHORITY_INVALID`` for every
server here: tests answer the session's ``certificate-error`` event to get past it.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import re
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from PyQt6.QtWebEngineCore import QWebEngineSettings

from core.errors import NetError
from core.session import Session
from core.web_contents import WebContents
from tests.servers import HttpServer, _Server

_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    cert_file: Path
    key_file: Path

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Partita Tests")])


def _write(folder: Path, stem: str, cert: x509.Certificate, key: rsa.RSAPrivateKey,
           chain: tuple[x509.Certificate, ...] = ()) -> Issued:
    cert_file, key_file = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_file.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                                   for c in (cert, *chain)))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Issued(cert, key, cert_file, key_file)


def make_ca(folder: Path, common_name: str = "Partita Test CA") -> Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(common_name))
            .issuer_name(_name(common_name)).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _ONE_DAY).not_valid_after(now + 30 * _ONE_DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return _write(folder, "ca", cert, key)


def make_leaf(folder: Path, ca: Issued, stem: str = "leaf",
              common_name: str = "127.0.0.1") -> Issued:
    """A server certificate for 127.0.0.1 and localhost, signed by ``ca``; its file holds
    the chain (leaf, then CA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    cert = (x509.CertificateBuilder().subject_name(_name(common_name))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _ONE_DAY).not_valid_after(now + 30 * _ONE_DAY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return _write(folder, stem, cert, key, (ca.cert,))


class _TlsServer(_Server):
    def __init__(self, leaf: Issued) -> None:
        super().__init__()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(leaf.cert_file, leaf.key_file)
        # The handshake happens in the handler's thread, so one stalled client blocks nothing.
        self.socket = context.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Browsers that refuse the certificate drop the connection mid-handshake: expected.
        return


class HttpsServer(HttpServer):
    """tests.servers' routes over TLS, with ``leaf``'s certificate."""

    def __init__(self, leaf: Issued) -> None:
        super().__init__(_TlsServer(leaf))

    def url(self, path: str = "/") -> str:
        return f"https://127.0.0.1:{self.port}{path}"


class OpenSslServer:
    """``openssl s_server -www`` on 127.0.0.1 with ``options`` (``-tls1_2``, ``-cipher``, ...).

    It answers any GET with an HTML status page naming the protocol and cipher it used.
    """

    def __init__(self, leaf: Issued, *options: str) -> None:
        self.port = _free_port()
        self._process = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert",
             str(leaf.cert_file), "-key", str(leaf.key_file), "-www",
             *options],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        assert self._process.stdout is not None
        self._output: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self._process.stdout is not None
            for line in iter(self._process.stdout.readline, b""):
                text = line.decode(errors="replace")
                self._output.append(text)
                if text.startswith("ACCEPT"):
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(10) or self._process.poll() is not None:
            raise RuntimeError("openssl s_server did not start: " + "".join(self._output))

    def url(self, path: str = "/") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(5)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PROTOCOL_IN_PAGE = re.compile(r"Protocol\s*:\s*(\S+)")
"""What ``s_server -www``'s page says about the protocol it used."""


def first_flights(leaf: Issued,
                  server_options: dict[str, Any] | None = None) -> tuple[bytes, bytes]:
    """The real bytes of a handshake's start between Python's ssl client and server in
    memory: the client's first flight and the server's answer to it.

    ``server_options``: ``maximum_version``, ``ciphers``, ``ecdh_curve`` (a curve the client
    sends no key share for makes a TLS 1.3 server answer with a HelloRetryRequest).
    """
    options = dict(server_options or {})
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(leaf.cert_file, leaf.key_file)
    if "maximum_version" in options:
        server_context.maximum_version = options["maximum_version"]
    if "ciphers" in options:
        server_context.set_ciphers(options["ciphers"])
    if "ecdh_curve" in options:
        server_context.set_ecdh_curve(options["ecdh_curve"])
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_context.check_hostname = False
    client_context.verify_mode = ssl.CERT_NONE
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_context.wrap_bio(client_in, client_out, server_hostname="127.0.0.1")
    server = server_context.wrap_bio(server_in, server_out, server_side=True)
    with contextlib.suppress(ssl.SSLWantReadError):
        client.do_handshake()
    hello = client_out.read()
    server_in.write(hello)
    with contextlib.suppress(ssl.SSLWantReadError):
        server.do_handshake()
    return hello, server_out.read()


@dataclass(frozen=True)
class Pki:
    ca: Issued
    leaf: Issued
    other_leaf: Issued
    """A second certificate for the same host (a changed certificate)."""


def make_pki(folder: Path) -> Pki:
    ca = make_ca(folder)
    return Pki(ca, make_leaf(folder, ca), make_leaf(folder, ca, stem="other"))


def iconless_page(ses: Session) -> WebContents:
    """A page that fetches no favicon. A favicon fetch starting as a page closes opened its
    tunnel after ``load`` closed the session's connections, and its idle socket held
    ``s_server`` for the next load (measured); it also keeps one of a page's kept-alive
    connections busy at random times."""
    page = WebContents(ses)
    settings = page.page.settings()
    assert settings is not None
    settings.setAttribute(QWebEngineSettings.WebAttribute.AutoLoadIconsForPage, False)
    return page


async def load(ses: Session, url: str, script: str = "document.title") -> Any:
    """What ``script`` gives on the page loaded from ``url``, or the load's net error.

    The page and the session's connections are closed afterwards, so the next load opens a
    new tunnel (and ``s_server``, which serves one connection at a time, is free again).
    """
    page = iconless_page(ses)
    try:
        await page.load_url(url)
        return await page.execute_javascript(script)
    except NetError as error:
        return error.code
    finally:
        page.close()
        await ses.close_all_connections()
