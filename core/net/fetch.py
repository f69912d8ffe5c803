"""``ses.fetch``: Electron's ``net.fetch`` for one session, over QtNetwork.

QtWebEngine offers no request API outside a page, so the request is ours (QtNetwork), made the
way the session's pages make theirs: always through the router with the session's token (so
the session's proxy rules, net log and emulation apply exactly as to a page), with the
session's user agent and Accept-Language, and with the profile's cookies (read through the
DevTools protocol and stored back into the profile, ``core.downloads.cookies``).

As Electron's ``net.fetch`` does, ``credentials`` defaults to ``same-origin``, which with no
``Origin`` header means ``include``; ``omit`` sends and stores no cookies. Redirects are
followed here, not by Qt, so each hop gets the cookies for its own URL (Qt would carry the
first Cookie header to another host). The whole body is read before ``fetch`` returns, so the
result is a complete ``core.net.Response`` that a protocol handler may return as it is.
Only http and https are fetched: QtWebEngine's custom scheme handlers and ``file:`` are not
reachable from QtNetwork.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QByteArray, QUrl
from PyQt6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from core.downloads import cookies
from core.downloads.http import MAX_REDIRECTS, REDIRECT_STATUS
from core.errors import NetError, NotSupportedError
from core.headers import check_header_value
from core.net.reply_errors import reply_error, routed_error
from core.net.response import Response

if TYPE_CHECKING:
    from core.session import Session

_Attr = QNetworkRequest.Attribute
CREDENTIALS = ("include", "omit", "same-origin")
# The body is decoded and complete: these would describe bytes a protocol handler's page
# never gets.
_RESERVED_WHEN_SERVED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Headers(Mapping[str, str]):
    """Response headers as WHATWG ``Headers`` shows them: lower-case names, repeated headers
    joined with ``, ``, looked up case-insensitively."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        joined: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        self._values = joined

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Headers({self._values!r})"


@dataclass(frozen=True)
class FetchResponse(Response):
    """What ``ses.fetch`` resolves to: a ``Response`` with WHATWG's reading methods."""

    url: str = ""
    redirected: bool = False
    status_text: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    async def read(self) -> bytes:
        return self.body_bytes()

    async def text(self) -> str:
        # WHATWG's text() always decodes UTF-8 (with replacement), whatever the charset says.
        return self.body_bytes().decode("utf-8", "replace")

    async def json(self) -> Any:
        return json.loads(await self.text())

    def header_items(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in super().header_items()
                if name.lower() not in _RESERVED_WHEN_SERVED]


def _check(url: object, method: object, headers: object, body: object,
           credentials: object) -> tuple[QUrl, str, dict[str, str], bytes | None, str]:
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, not {url!r}")
    qurl = QUrl(url, QUrl.ParsingMode.StrictMode)
    if not url or not qurl.isValid() or not qurl.scheme():
        raise TypeError(f"Failed to parse URL from {url!r}")
    if qurl.scheme().lower() not in ("http", "https"):
        raise NotSupportedError(
            f"ses.fetch reaches http and https only, not {qurl.scheme()}: (QtNetwork cannot "
            "reach QtWebEngine's scheme handlers or its file: loader)")
    if not isinstance(method, str) or not method.isascii() or not method.isalpha():
        raise TypeError(f"'{method}' is not a valid HTTP method.")
    method = method.upper() if method.upper() in (
        "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT") else method
    if headers is not None and not isinstance(headers, Mapping):
        raise TypeError(f"headers must be a mapping, not {headers!r}")
    extra = {}
    for name, value in (headers or {}).items():
        check_header_value(f"header name {name!r}", name)
        check_header_value(f"header {name!r}", value)
        extra[name] = value
    if body is not None and not isinstance(body, (bytes, bytearray, memoryview, str)):
        raise TypeError(f"body must be bytes or str, not {type(body).__name__}")
    if body is not None and method in ("GET", "HEAD"):
        raise TypeError("Request with GET/HEAD method cannot have body.")
    data = body.encode() if isinstance(body, str) else bytes(body) if body is not None else None
    if credentials is None:
        credentials = "same-origin"
    if credentials not in CREDENTIALS:
        raise TypeError(f"Invalid value for credentials: {credentials!r} "
                        f"(one of {', '.join(CREDENTIALS)})")
    return qurl, method, extra, data, str(credentials)


def _origin(url: QUrl) -> str:
    default = 443 if url.scheme() == "https" else 80
    port = url.port(default)
    suffix = "" if port == default else f":{port}"
    return f"{url.scheme()}://{url.host()}{suffix}"


def _sends_cookies(credentials: str, url: QUrl, headers: Mapping[str, str]) -> bool:
    if credentials == "same-origin":
        origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
        # Electron: same-origin without an Origin header is include.
        return origin is None or origin == _origin(url)
    return credentials == "include"


class Fetcher:
    """One per session: a QtNetwork manager whose only proxy is the router."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._nam: QNetworkAccessManager | None = None

    def _manager(self) -> QNetworkAccessManager:
        if self._nam is None:
            self._nam = QNetworkAccessManager()
            self._nam.setCookieJar(cookies.NoCookieJar())
            self._nam.setProxy(self._session.network.qt_proxy())
        return self._nam

    async def fetch(self, url: str, method: str = "GET",
                    headers: Mapping[str, str] | None = None, body: bytes | str | None = None,
                    credentials: str | None = None) -> FetchResponse:
        qurl, method, extra, data, mode = _check(url, method, headers, body, credentials)
        chain = [qurl]
        while True:
            current = chain[-1]
            with_cookies = _sends_cookies(mode, current, extra)
            reply = await self._send(current, method, extra, data, with_cookies)
            try:
                status = reply.attribute(_Attr.HttpStatusCodeAttribute)
                if status is None:
                    raise self._error(reply, current)
                if with_cookies:
                    cookies.keep_cookies(self._session, reply)
                location = reply.attribute(_Attr.RedirectionTargetAttribute)
                if int(status) not in REDIRECT_STATUS or not isinstance(location, QUrl):
                    return self._response(reply, int(status), chain)
                if len(chain) > MAX_REDIRECTS:
                    raise NetError("net::ERR_TOO_MANY_REDIRECTS", url)
                chain.append(current.resolved(location))
                # Fetch's redirect rules: 303, and 301/302 after POST, become a bodiless GET.
                if (int(status) == 303 and method != "HEAD") or \
                        (int(status) in (301, 302) and method == "POST"):
                    method, data = "GET", None
            finally:
                reply.deleteLater()

    async def _send(self, url: QUrl, method: str, extra: dict[str, str], data: bytes | None,
                    with_cookies: bool) -> QNetworkReply:
        request = QNetworkRequest(url)
        request.setAttribute(_Attr.RedirectPolicyAttribute,
                             QNetworkRequest.RedirectPolicy.ManualRedirectPolicy)
        request.setAttribute(_Attr.CacheLoadControlAttribute,
                             QNetworkRequest.CacheLoadControl.AlwaysNetwork)
        fields = cookies.identity_headers(self._session)
        if with_cookies:
            cookie = await cookies.cookie_header(self._session, url.toString())
            if cookie:
                fields["Cookie"] = cookie
        fields.update(extra)
        for name, value in fields.items():
            request.setRawHeader(name.encode("latin-1"), value.encode("latin-1"))
        verb = method.encode("ascii")
        nam = self._manager()
        reply = nam.sendCustomRequest(request, verb) if data is None \
            else nam.sendCustomRequest(request, verb, QByteArray(data))
        assert reply is not None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def finished() -> None:
            if not done.done():
                done.set_result(None)

        reply.finished.connect(finished)
        await done
        return reply

    def _error(self, reply: QNetworkReply, url: QUrl) -> NetError:
        return NetError(reply_error(reply, self._session.network), url.toString(),
                        reply.errorString())

    def _response(self, reply: QNetworkReply, status: int, chain: list[QUrl]) -> FetchResponse:
        pairs = [(bytes(name.data()).decode("latin-1"), bytes(value.data()).decode("latin-1"))
                 for name, value in reply.rawHeaderPairs()]
        routed = routed_error(reply)
        if routed is not None:  # the router's answer in place of a failed connection
            raise NetError(routed, chain[-1].toString(), "reported by the router")
        reason = reply.attribute(_Attr.HttpReasonPhraseAttribute)
        return FetchResponse(
            body=bytes(reply.readAll().data()), status=status, headers=Headers(pairs),
            url=chain[-1].toString(), redirected=len(chain) > 1,
            status_text=str(reason) if reason is not None else "")
