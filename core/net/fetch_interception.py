"""webRequest and http/https/file protocol handlers in a session's pages, over DevTools.

Each ``WebContents`` of the session gets its own protocol session (``devtools.hub().attach``)
while the session has a webRequest listener or an intercepted scheme. There:

* ``Fetch.enable`` pauses requests at the request stage (``on_before_request``,
  ``on_before_send_headers``, ``on_send_headers``, protocol handlers) and at the response
  stage (``on_headers_received``). Cancelling fails the request with ``BlockedByClient``
  (``net::ERR_BLOCKED_BY_CLIENT``, as Electron); ``redirect_url`` is answered with a
  ``307 Internal Redirect`` (Electron's status line), which Chromium follows; changed response
  headers and status line go back with ``Fetch.continueResponse`` and are what the page sees.
* ``Network`` events report what only needs watching: ``requestWillBeSent`` with a redirect
  response (``on_before_redirect``), ``responseReceived`` (``on_response_started``),
  ``loadingFinished`` (``on_completed``), ``loadingFailed`` (``on_error_occurred``).

Interception must be in force before a page's first request, so ``WebContents.load_url``
awaits ``PageInterception.ready`` (a navigation gate); pages that exist already when a
listener is set are updated at once. Custom schemes served by a ``QWebEngineUrlSchemeHandler``
are not paused by Fetch (measured), so for them only the watching hooks fire. Out-of-process
iframes are separate DevTools targets and are not covered.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import weakref
from typing import TYPE_CHECKING, Any

from core import app, devtools
from core.net.protocol import HandlerFailed, Protocol, ProtocolRequest
from core.net.request_details import Decision, UploadData
from core.net.web_request import WebRequest

if TYPE_CHECKING:
    from core.session import Session
    from core.web_contents import WebContents

log = logging.getLogger("partita.web_request")

# Schemes Electron's webRequest never reports (Chromium serves them without a network request).
_UNWATCHED = frozenset({"data", "blob", "about", "devtools", "chrome", "javascript", "qrc"})
# CDP resource types → Electron's; a Document is a mainFrame or subFrame by its frame.
_RESOURCE_TYPES = {
    "Stylesheet": "stylesheet", "Script": "script", "Image": "image", "Font": "font",
    "XHR": "xhr", "Fetch": "xhr", "EventSource": "xhr", "Ping": "ping",
    "CSPViolationReport": "cspReport", "Media": "media", "WebSocket": "webSocket",
}
_NET_ERROR = re.compile(r"net::[A-Z0-9_]+")
_REQUEST_HOOKS = ("before_request", "before_send_headers", "send_headers")


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower()


def header_lists(entries: Any) -> dict[str, list[str]]:
    """CDP headers (a ``[{name, value}]`` list, or a dict with ``\\n``-joined values)."""
    result: dict[str, list[str]] = {}
    if isinstance(entries, dict):
        for name, value in entries.items():
            result.setdefault(name, []).extend(str(value).split("\n"))
    else:
        for entry in entries or []:
            result.setdefault(entry["name"], []).append(entry["value"])
    return result


def header_entries(headers: dict[str, list[str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, values in headers.items()
            for value in values]


def _status_line(code: int, text: str, protocol: str = "") -> str:
    version = protocol.upper() if protocol.lower().startswith("http/") else "HTTP/1.1"
    return f"{version} {code} {text}".rstrip()


class Interception:
    """Per session: owns ``web_request`` and ``protocol`` and applies them to every page."""

    def __init__(self, session: Session) -> None:
        self.web_request = WebRequest(on_change=self._refresh)
        self.protocol = Protocol(session.profile, on_change=self._refresh)
        self._pages: weakref.WeakKeyDictionary[WebContents, PageInterception] = (
            weakref.WeakKeyDictionary())
        session.on_web_contents_created(self._adopt)
        for contents in list(session._web_contents):
            self._adopt(contents)

    def active(self) -> bool:
        return self.web_request.has_listener(
            *_REQUEST_HOOKS, "headers_received", "response_started", "before_redirect",
            "completed", "error_occurred") or self.protocol.any_intercepted()

    def fetch_patterns(self) -> list[dict[str, str]]:
        patterns = []
        if self.web_request.has_listener(*_REQUEST_HOOKS) or self.protocol.any_intercepted():
            patterns.append({"urlPattern": "*", "requestStage": "Request"})
        if self.web_request.has_listener("headers_received"):
            patterns.append({"urlPattern": "*", "requestStage": "Response"})
        return patterns

    def _adopt(self, contents: WebContents) -> None:
        page = PageInterception(self, contents)
        self._pages[contents] = page
        contents.add_navigation_gate(page.ready)
        page.refresh()

    def _refresh(self) -> None:
        for page in list(self._pages.values()):
            page.refresh()


class PageInterception:
    """The protocol session of one page and the requests in flight on it."""

    def __init__(self, owner: Interception, contents: WebContents) -> None:
        self._owner = owner
        self._contents = weakref.ref(contents)
        self._cdp: devtools.CdpSession | None = None
        self._applied: list[dict[str, str]] | None = None
        self._lock = asyncio.Lock()
        self._traces: dict[str, Any] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def refresh(self) -> None:
        """Bring Fetch/Network in line with the listeners now, without waiting."""
        if self._cdp is None and not self._owner.active():
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: load_url's gate applies the set-up before navigating
        self._spawn(self.ready())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro, loop=app.loop())
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("request interception task failed", exc_info=task.exception())

    async def ready(self) -> None:
        """Attach and enable what the session's listeners need (the navigation gate)."""
        contents = self._contents()
        if contents is None or contents.is_destroyed():
            return
        async with self._lock:
            if self._cdp is None or self._cdp.detached:
                if not self._owner.active():
                    return
                self._cdp = await devtools.hub().attach(contents.page)
                self._applied = None
                self._subscribe(self._cdp)
                await self._cdp.send("Network.enable")
            patterns = self._owner.fetch_patterns()
            if patterns == self._applied:
                return
            if patterns:
                await self._cdp.send("Fetch.enable", {"patterns": patterns})
            elif self._applied:
                await self._cdp.send("Fetch.disable")
            self._applied = patterns

    def _subscribe(self, cdp: devtools.CdpSession) -> None:
        cdp.on("Fetch.requestPaused", lambda params: self._spawn(self._paused(params)))
        cdp.on("Network.requestWillBeSent", self._will_be_sent)
        cdp.on("Network.requestServedFromCache", self._served_from_cache)
        cdp.on("Network.responseReceived", self._response_received)
        cdp.on("Network.loadingFinished", self._finished_loading)
        cdp.on("Network.loadingFailed", self._failed_loading)

    # ----------------------------------------------------------------- traces
    def _resource_type(self, cdp_type: str | None, frame_id: str | None) -> str:
        if cdp_type == "Document":
            contents = self._contents()
            main = contents.page.devToolsId() if contents and not contents.is_destroyed() else ""
            # A page target's id is its main frame's id (measured, Chromium 140).
            return "mainFrame" if frame_id == main else "subFrame"
        return _RESOURCE_TYPES.get(cdp_type or "", "other")

    def _trace(self, request_id: str, request: dict[str, Any], cdp_type: str | None,
               frame_id: str | None) -> Any:
        trace = self._traces.get(request_id)
        if trace is None:
            headers = request.get("headers") or {}
            trace = self._owner.web_request.start_request(
                request["url"], request.get("method", "GET"),
                resource_type=self._resource_type(cdp_type, frame_id),
                referrer=request.get("referrer") or headers.get("Referer", ""),
                web_contents=self._contents(), upload_data=_upload_data(request),
            )
            self._traces[request_id] = trace
        return trace

    def _will_be_sent(self, params: dict[str, Any]) -> None:
        request = params["request"]
        if _scheme(request["url"]) in _UNWATCHED:
            return
        request_id = params["requestId"]
        redirect = params.get("redirectResponse")
        if redirect is not None and request_id in self._traces:
            self._traces[request_id].before_redirect(
                request["url"], **self._response_fields(redirect))
            return
        self._trace(request_id, request, params.get("type"), params.get("frameId"))

    def _response_fields(self, response: dict[str, Any]) -> dict[str, Any]:
        return {
            "status_code": int(response.get("status", 0)),
            "status_line": _status_line(int(response.get("status", 0)),
                                        response.get("statusText", ""),
                                        response.get("protocol", "")),
            "headers": header_lists(response.get("headers")),
            "from_cache": bool(response.get("fromDiskCache") or response.get("fromPrefetchCache")),
            "ip": response.get("remoteIPAddress") or None,
        }

    def _served_from_cache(self, params: dict[str, Any]) -> None:
        self._responses.setdefault(params["requestId"], {})["from_cache"] = True

    def _response_received(self, params: dict[str, Any]) -> None:
        trace = self._traces.get(params["requestId"])
        if trace is None:
            return
        fields = self._response_fields(params["response"])
        fields["from_cache"] |= self._responses.get(params["requestId"], {}).get(
            "from_cache", False)
        self._responses[params["requestId"]] = fields
        trace.response_started(**fields)

    def _finished_loading(self, params: dict[str, Any]) -> None:
        trace = self._traces.pop(params["requestId"], None)
        fields = self._responses.pop(params["requestId"], None)
        if trace is not None and fields is not None and "status_code" in fields:
            trace.completed(**fields)

    def _failed_loading(self, params: dict[str, Any]) -> None:
        trace = self._traces.pop(params["requestId"], None)
        fields = self._responses.pop(params["requestId"], {})
        if trace is not None:
            # Requests failed through Fetch read "net::ERR_BLOCKED_BY_CLIENT.Inspector"
            # (measured); Electron reports the bare error name.
            error = _NET_ERROR.match(params.get("errorText") or "")
            trace.error_occurred(error.group(0) if error else "net::ERR_FAILED",
                                 from_cache=bool(fields.get("from_cache", False)))

    # ----------------------------------------------------------------- paused requests
    async def _paused(self, params: dict[str, Any]) -> None:
        cdp = self._cdp
        if cdp is None:
            return
        request = params["request"]
        fetch_id = params["requestId"]
        if _scheme(request["url"]) in _UNWATCHED:
            await cdp.send("Fetch.continueRequest", {"requestId": fetch_id})
            return
        trace = self._trace(params.get("networkId") or fetch_id, request,
                            params.get("resourceType"), params.get("frameId"))
        try:
            if "responseStatusCode" in params or "responseErrorReason" in params:
                await self._response_stage(cdp, fetch_id, params, trace)
            else:
                await self._request_stage(cdp, fetch_id, request, trace,
                                          params.get("networkId"))
        except (devtools.CdpError, RuntimeError) as exc:
            # The page went away or the request was cancelled while a listener thought.
            log.debug("paused request %s ended: %s", request["url"], exc)

    async def _request_stage(self, cdp: devtools.CdpSession, fetch_id: str,
                             request: dict[str, Any], trace: Any,
                             network_id: str | None = None) -> None:
        url = request["url"]
        decision: Decision = await trace.before_request()
        if decision.cancel:
            await cdp.send("Fetch.failRequest", {"requestId": fetch_id,
                                                 "errorReason": "BlockedByClient"})
            return
        if decision.redirect_url:
            await cdp.send("Fetch.fulfillRequest", {
                "requestId": fetch_id, "responseCode": 307,
                "responsePhrase": "Internal Redirect",
                "responseHeaders": [{"name": "Location", "value": decision.redirect_url}],
            })
            return
        headers: dict[str, str] = dict(request.get("headers") or {})
        decision = await trace.before_send_headers(headers)
        if decision.cancel:
            await cdp.send("Fetch.failRequest", {"requestId": fetch_id,
                                                 "errorReason": "BlockedByClient"})
            return
        if decision.request_headers is not None:
            headers = decision.request_headers
        trace.send_headers(headers)
        scheme = _scheme(url)
        if self._owner.protocol.intercepts(scheme):
            await self._fulfill(cdp, fetch_id, scheme, ProtocolRequest(
                url=url, method=request.get("method", "GET"), headers=headers,
                body=await _full_body(cdp, request, network_id),
                referrer=headers.get("Referer", ""),
            ))
            return
        continued: dict[str, Any] = {"requestId": fetch_id}
        if decision.request_headers is not None:
            continued["headers"] = [{"name": k, "value": v} for k, v in headers.items()]
        await cdp.send("Fetch.continueRequest", continued)

    async def _fulfill(self, cdp: devtools.CdpSession, fetch_id: str, scheme: str,
                       request: ProtocolRequest) -> None:
        try:
            response = await self._owner.protocol.respond(scheme, request)
        except HandlerFailed:
            await cdp.send("Fetch.failRequest", {"requestId": fetch_id, "errorReason": "Failed"})
            return
        await cdp.send("Fetch.fulfillRequest", {
            "requestId": fetch_id, "responseCode": response.status,
            "responsePhrase": response.reason,
            "responseHeaders": [{"name": n, "value": v} for n, v in response.header_items()],
            "body": base64.b64encode(response.body_bytes()).decode("ascii"),
        })

    async def _response_stage(self, cdp: devtools.CdpSession, fetch_id: str,
                              params: dict[str, Any], trace: Any) -> None:
        if "responseErrorReason" in params:
            await cdp.send("Fetch.continueRequest", {"requestId": fetch_id})
            return
        code = int(params["responseStatusCode"])
        original = header_lists(params.get("responseHeaders"))
        status_line = _status_line(code, params.get("responseStatusText", ""))
        decision: Decision = await trace.headers_received(code, status_line, original)
        if decision.cancel:
            await cdp.send("Fetch.failRequest", {"requestId": fetch_id,
                                                 "errorReason": "BlockedByClient"})
            return
        if decision.response_headers is None:
            # As in Electron, a status line alone (without headers) changes nothing.
            await cdp.send("Fetch.continueRequest", {"requestId": fetch_id})
            return
        new_code, phrase = _parse_status_line(decision.status_line or status_line)
        await cdp.send("Fetch.continueResponse", {
            "requestId": fetch_id, "responseCode": new_code, "responsePhrase": phrase,
            "responseHeaders": header_entries(decision.response_headers),
        })


def _parse_status_line(line: str) -> tuple[int, str]:
    """``"HTTP/1.1 404 Not Found"`` → ``(404, "Not Found")`` (validated by the callback)."""
    parts = line.strip().split(" ", 2)
    return int(parts[1]), parts[2] if len(parts) > 2 else ""


def _body(request: dict[str, Any]) -> bytes | None:
    entries = request.get("postDataEntries")
    if entries:
        return b"".join(base64.b64decode(entry.get("bytes", "")) for entry in entries)
    data = request.get("postData")
    return data.encode() if isinstance(data, str) else None


async def _full_body(cdp: devtools.CdpSession, request: dict[str, Any],
                     network_id: str | None) -> bytes | None:
    """The request body; Fetch.requestPaused leaves it out when Chromium has not read it
    into the request yet (seen for fetch() POSTs under load), so ask the Network domain."""
    body = _body(request)
    if body is not None or not request.get("hasPostData") or not network_id:
        return body
    try:
        answer = await cdp.send("Network.getRequestPostData", {"requestId": network_id})
    except devtools.CdpError:
        return None
    data = str(answer.get("postData", ""))
    return base64.b64decode(data) if answer.get("base64Encoded") else data.encode()


def _upload_data(request: dict[str, Any]) -> list[UploadData] | None:
    body = _body(request)
    return [UploadData(bytes=body)] if body is not None else None
