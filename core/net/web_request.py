"""``ses.web_request``: Electron's ``WebRequest`` (eight hooks, one listener each, URL filters).

This module keeps the listeners and runs them; it knows nothing about where requests come
from. Each request is a ``RequestTrace`` whose stage methods a request source calls in
Electron's order. Pages are one source (``core.net.fetch_interception`` maps the DevTools
protocol's Fetch and Network events onto traces); the download engine is another:

    trace = ses.web_request.start_request(url, method="GET", resource_type="other",
                                          request_headers={...})
    decision = await trace.before_request()          # .cancel / .redirect_url
    decision = await trace.before_send_headers(headers)  # .cancel / .request_headers
    trace.send_headers(headers)
    decision = await trace.headers_received(status_code, status_line, response_headers)
    trace.response_started(...); trace.before_redirect(new_url, ...)
    trace.completed(...) or trace.error_occurred("net::ERR_...")

A blocking stage returns at once with an empty ``Decision`` when no listener (or no filter)
applies; otherwise it waits until the listener calls its callback, however late.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core import app
from core.net import match_patterns
from core.net.request_details import Decision, RequestDetails, UploadData, decision_from

log = logging.getLogger("partita.web_request")

BLOCKING_HOOKS = ("before_request", "before_send_headers", "headers_received")
SIMPLE_HOOKS = ("send_headers", "response_started", "before_redirect", "completed",
                "error_occurred")
Listener = Callable[..., Any]

_request_ids = itertools.count(1)


@dataclass(frozen=True)
class _Registration:
    listener: Listener
    patterns: tuple[match_patterns.MatchPattern, ...]


class WebRequest:
    """One per session. ``on_<hook>(listener, urls=None)``; ``None`` removes the listener."""

    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        self._listeners: dict[str, _Registration] = {}
        self._on_change = on_change

    # ----------------------------------------------------------------- Electron's setters
    def on_before_request(self, listener: Listener | None, urls: list[str] | None = None) -> None:
        """``listener(details, callback)``; ``callback(cancel=True)`` / ``(redirect_url=...)``."""
        self._set("before_request", listener, urls)

    def on_before_send_headers(self, listener: Listener | None,
                               urls: list[str] | None = None) -> None:
        """``listener(details, callback)``; ``callback(request_headers={...})`` replaces them."""
        self._set("before_send_headers", listener, urls)

    def on_send_headers(self, listener: Listener | None, urls: list[str] | None = None) -> None:
        self._set("send_headers", listener, urls)

    def on_headers_received(self, listener: Listener | None,
                            urls: list[str] | None = None) -> None:
        """``listener(details, callback)``; ``callback(response_headers=..., status_line=...)``."""
        self._set("headers_received", listener, urls)

    def on_response_started(self, listener: Listener | None,
                            urls: list[str] | None = None) -> None:
        self._set("response_started", listener, urls)

    def on_before_redirect(self, listener: Listener | None,
                           urls: list[str] | None = None) -> None:
        self._set("before_redirect", listener, urls)

    def on_completed(self, listener: Listener | None, urls: list[str] | None = None) -> None:
        self._set("completed", listener, urls)

    def on_error_occurred(self, listener: Listener | None, urls: list[str] | None = None) -> None:
        self._set("error_occurred", listener, urls)

    def _set(self, hook: str, listener: Listener | None, urls: list[str] | None) -> None:
        if listener is not None and not callable(listener):
            raise TypeError("Must pass null or a Function")
        patterns = match_patterns.parse_all(urls)  # validates before anything changes
        if listener is None:
            self._listeners.pop(hook, None)
        else:
            self._listeners[hook] = _Registration(listener, patterns)
        self._on_change()

    # ----------------------------------------------------------------- for request sources
    def has_listener(self, *hooks: str) -> bool:
        return any(hook in self._listeners for hook in hooks)

    def start_request(
        self, url: str, method: str = "GET", *, resource_type: str = "other",
        referrer: str = "", request_headers: Mapping[str, str] | None = None,
        web_contents: Any = None, upload_data: list[UploadData] | None = None,
    ) -> RequestTrace:
        """A new request (one ``id`` for all its redirect hops)."""
        details = RequestDetails(
            id=next(_request_ids), url=url, method=method, resource_type=resource_type,
            referrer=referrer, timestamp=0.0,
            web_contents_id=getattr(web_contents, "id", None), web_contents=web_contents,
            upload_data=upload_data,
            request_headers=dict(request_headers) if request_headers is not None else None,
        )
        return RequestTrace(self, details)

    def _registration(self, hook: str, url: str) -> _Registration | None:
        registration = self._listeners.get(hook)
        if registration is None or not match_patterns.matches_any(registration.patterns, url):
            return None
        return registration

    def _notify(self, hook: str, details: RequestDetails) -> None:
        registration = self._registration(hook, details.url)
        if registration is None:
            return
        try:
            result = registration.listener(details)
            if inspect.isawaitable(result):
                asyncio.ensure_future(result, loop=app.loop()).add_done_callback(_report_task)
        except Exception as exc:
            _report(exc)

    async def _ask(self, hook: str, details: RequestDetails) -> Decision:
        registration = self._registration(hook, details.url)
        if registration is None:
            return Decision()
        answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()

        def callback(response: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
            merged = {**(response or {}), **kwargs}
            decision = decision_from(hook, merged)  # raises in the listener on bad input
            if not answer.done():  # a second call is ignored, as in Electron
                answer.set_result(decision)

        def failed(exc: BaseException) -> None:
            # A listener that raised cannot answer any more: let the request go on unchanged.
            _report(exc)
            if not answer.done():
                answer.set_result(Decision())

        try:
            result = registration.listener(details, callback)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result, loop=app.loop())
                task.add_done_callback(
                    lambda done: failed(done.exception())  # type: ignore[arg-type]
                    if not done.cancelled() and done.exception() else None
                )
        except Exception as exc:
            failed(exc)
        return await answer


def _report(exc: BaseException) -> None:
    log.debug("webRequest listener raised", exc_info=exc)
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _report_task(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _report(task.exception())  # type: ignore[arg-type]


class RequestTrace:
    """One request's way through the hooks; each call gives listeners a fresh ``details``."""

    def __init__(self, web_request: WebRequest, details: RequestDetails) -> None:
        self._web_request = web_request
        self.details = details

    @property
    def id(self) -> int:
        return self.details.id

    def _details(self, **changes: Any) -> RequestDetails:
        return replace(self.details, timestamp=time.time() * 1000, **changes)

    def _response(self, status_code: int, status_line: str, headers: Mapping[str, list[str]],
                  from_cache: bool, ip: str | None) -> dict[str, Any]:
        return {"status_code": status_code, "status_line": status_line,
                "response_headers": {key: list(values) for key, values in headers.items()},
                "from_cache": from_cache, "ip": ip}

    async def before_request(self) -> Decision:
        return await self._web_request._ask(
            "before_request", self._details(request_headers=None))

    async def before_send_headers(self, headers: Mapping[str, str]) -> Decision:
        return await self._web_request._ask(
            "before_send_headers", self._details(request_headers=dict(headers)))

    def send_headers(self, headers: Mapping[str, str]) -> None:
        self._web_request._notify("send_headers", self._details(request_headers=dict(headers)))

    async def headers_received(self, status_code: int, status_line: str,
                               headers: Mapping[str, list[str]]) -> Decision:
        return await self._web_request._ask("headers_received", self._details(
            request_headers=None, status_code=status_code, status_line=status_line,
            response_headers={key: list(values) for key, values in headers.items()}))

    def response_started(self, status_code: int, status_line: str,
                         headers: Mapping[str, list[str]], from_cache: bool = False,
                         ip: str | None = None) -> None:
        self._web_request._notify("response_started", self._details(
            request_headers=None, **self._response(status_code, status_line, headers,
                                                   from_cache, ip)))

    def before_redirect(self, redirect_url: str, status_code: int, status_line: str,
                        headers: Mapping[str, list[str]], from_cache: bool = False,
                        ip: str | None = None) -> None:
        """Electron's details keep the URL being left; the trace then moves to the new one."""
        self._web_request._notify("before_redirect", self._details(
            request_headers=None, redirect_url=redirect_url,
            **self._response(status_code, status_line, headers, from_cache, ip)))
        self.details = replace(self.details, url=redirect_url)

    def completed(self, status_code: int, status_line: str, headers: Mapping[str, list[str]],
                  from_cache: bool = False, ip: str | None = None) -> None:
        self._web_request._notify("completed", self._details(
            request_headers=None, error="net::OK",
            **self._response(status_code, status_line, headers, from_cache, ip)))

    def error_occurred(self, error: str, from_cache: bool = False) -> None:
        self._web_request._notify("error_occurred", self._details(
            request_headers=None, error=error, from_cache=from_cache))
