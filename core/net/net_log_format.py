"""Chromium's NetLog JSON: the constants a viewer needs and the shape of one event.

A NetLog file is ``{"constants": {...}, "events": [...]}``. The constants map names to the
numbers the events use (event types, source types, phases, net errors), plus the clock offset
and client information; Chromium's netlog viewer (``loadLogDump`` / ``areValidConstants`` in
its log_util.js) refuses a file without ``logEventTypes``, ``clientInfo``, ``logEventPhase``,
``logSourceType``, ``loadFlag``, ``netError``, ``addressFamily``, a string ``timeTickOffset``
and ``logFormatVersion`` 1, and keeps only events whose type, source type and phase are named
there. The names below are Chromium's (net/log/net_log_event_type_list.h,
net_log_source_type_list.h); like Chromium, which numbers them by their place in those lists,
a file defines its own numbers in its constants, so only the names carry meaning.
"""

from __future__ import annotations

import base64
import platform
import sys
import time
from collections.abc import Iterable
from typing import Any

from core import net_errors

CAPTURE_MODES = ("default", "includeSensitive", "everything")

# The router's steps under Chromium's names, in the order the lists give them.
EVENT_TYPES = (
    "FAILED",
    "REQUEST_ALIVE",
    "HOST_RESOLVER_MANAGER_REQUEST",
    "PROXY_RESOLUTION_SERVICE",
    "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST",
    "PROXY_LIST_FALLBACK",
    "SOCKET_ALIVE",
    "TCP_CONNECT",
    "SOCKET_BYTES_SENT",
    "SOCKET_BYTES_RECEIVED",
    "SOCKET_POOL_REUSED_AN_EXISTING_SOCKET",
    "SOCKET_POOL_BOUND_TO_SOCKET",
    "SOCKET_POOL_CONNECTING_N_SOCKETS",
    "URL_REQUEST_START_JOB",
    "HTTP_TRANSACTION_SEND_TUNNEL_HEADERS",
    "HTTP_TRANSACTION_READ_TUNNEL_RESPONSE_HEADERS",
    "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
    "HTTP_TRANSACTION_READ_RESPONSE_HEADERS",
)
SOURCE_TYPES = ("NONE", "URL_REQUEST", "HTTP_PROXY_CONNECT_JOB", "SOCKET")
PHASES = {"PHASE_NONE": 0, "PHASE_BEGIN": 1, "PHASE_END": 2}
BEGIN, END, NONE = PHASES["PHASE_BEGIN"], PHASES["PHASE_END"], PHASES["PHASE_NONE"]

_EVENT_NUMBERS = {name: number for number, name in enumerate(EVENT_TYPES)}
_SOURCE_NUMBERS = {name: number for number, name in enumerate(SOURCE_TYPES)}

# Chromium's HttpRequestHeaders / HttpResponseHeaders elide these unless the capture mode
# includes sensitive data (net/http/http_log_util.cc, ElideHeaderValueForNetLog).
_SENSITIVE_HEADERS = frozenset({
    "cookie", "set-cookie", "set-cookie2", "authorization", "proxy-authorization",
    "www-authenticate", "proxy-authenticate",
})


def ticks() -> str:
    """Now on the log's clock: milliseconds of the monotonic clock, as a string (Chromium's
    ``TimeTicks`` are written as strings so that JavaScript keeps every digit)."""
    return str(int(time.monotonic() * 1000))


def constants(command_line: Iterable[str] | None = None) -> dict[str, Any]:
    wall_minus_ticks = int(time.time() * 1000) - int(time.monotonic() * 1000)
    return {
        "logFormatVersion": 1,
        "logEventTypes": dict(_EVENT_NUMBERS),
        "logSourceType": dict(_SOURCE_NUMBERS),
        "logEventPhase": dict(PHASES),
        "netError": {name.removeprefix("net::"): code
                     for name, code in net_errors.codes().items()},
        "loadFlag": {"NORMAL": 0},
        "loadState": {},
        "addressFamily": {"ADDRESS_FAMILY_UNSPECIFIED": 0, "ADDRESS_FAMILY_IPV4": 1,
                          "ADDRESS_FAMILY_IPV6": 2},
        "certStatusFlag": {},
        "certVerifierFlags": {},
        "certVerifyFlags": {},
        "certPathBuilderDigestPolicy": {},
        "quicError": {},
        "quicRstStreamError": {},
        "dnsQueryType": {"UNSPECIFIED": 0, "A": 1, "AAAA": 2},
        "secureDnsMode": {"Off": 0, "Automatic": 1, "Secure": 2},
        "activeFieldTrialGroups": [],
        "timeTickOffset": str(wall_minus_ticks),
        "clientInfo": {
            "name": "Partita",
            "version": "0.1.0",
            "cl": "",
            "version_mod": "",
            "official": "unofficial",
            "os_type": f"{platform.system()} {platform.release()}",
            "command_line": " ".join(command_line if command_line is not None else sys.argv),
        },
    }


def source(ident: int, kind: str, start_time: str) -> dict[str, Any]:
    return {"id": ident, "type": _SOURCE_NUMBERS[kind], "start_time": start_time}


def event(src: dict[str, Any], kind: str, phase: int,
          params: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": src, "time": ticks(), "type": _EVENT_NUMBERS[kind],
                             "phase": phase}
    if params:
        entry["params"] = params
    return entry


def header_lines(headers: Iterable[tuple[str, str]], capture_mode: str) -> list[str]:
    """``Name: value`` lines; sensitive values become ``[N bytes were stripped]`` in the
    default capture mode, as Chromium writes them."""
    lines = []
    for name, value in headers:
        if capture_mode == "default" and name.lower() in _SENSITIVE_HEADERS:
            value = f"[{len(value.encode('latin-1', 'replace'))} bytes were stripped]"
        lines.append(f"{name}: {value}")
    return lines


def bytes_params(data: bytes, capture_mode: str) -> dict[str, Any]:
    """A socket read or write: its size, and in ``everything`` mode the bytes themselves
    (base64, as Chromium's ``NetLogBinaryValue``)."""
    params: dict[str, Any] = {"byte_count": len(data)}
    if capture_mode == "everything":
        params["bytes"] = base64.b64encode(data).decode("ascii")
    return params


def net_error_params(name: str) -> dict[str, Any]:
    try:
        return {"net_error": net_errors.code_for(name)}
    except ValueError:
        return {"net_error": net_errors.code_for("net::ERR_FAILED")}
