"""Electron's service worker ``console-message`` details, built from a worker's protocol events.

Chromium hands Electron a ``content::ConsoleMessage``; through the DevTools protocol the same
message arrives as ``Runtime.consoleAPICalled`` (console API calls), ``Runtime.exceptionThrown``
(uncaught errors) or ``Log.entryAdded`` (everything else Blink logs: network, deprecation,
violation, ...). Levels and texts are mapped the way Blink builds the ConsoleMessage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

SOURCES = frozenset({
    "javascript", "xml", "network", "console-api", "storage", "rendering", "security",
    "deprecation", "worker", "violation", "intervention", "recommendation", "other",
})
# blink::mojom::ConsoleMessageLevel: kVerbose, kInfo, kWarning, kError.
_LOG_LEVELS = {"verbose": 0, "info": 1, "warning": 2, "error": 3}
# Console API call types whose Blink level is not kInfo (V8 inspector's ConsoleAPIType).
_CALL_LEVELS = {"debug": 0, "warning": 2, "error": 3, "assert": 3}

Stringify = Callable[[str], Awaitable[str | None]]
"""``String(object)`` of a remote object, by its ``objectId`` (None if it cannot be had)."""


@dataclass(frozen=True)
class ConsoleMessageDetails:
    """The ``messageDetails`` of Electron's ``console-message`` event."""

    message: str
    version_id: int
    source: str
    level: int
    source_url: str
    line_number: int


def timestamp(method: str, params: dict[str, Any]) -> float:
    """When the message was logged, in ms since the epoch (as the protocol reports it)."""
    if method == "Log.entryAdded":
        return float(params.get("entry", {}).get("timestamp", 0.0))
    return float(params.get("timestamp", 0.0))


async def _argument_text(argument: dict[str, Any], stringify: Stringify) -> str:
    kind = argument.get("type")
    if kind == "string":
        return str(argument.get("value", ""))
    if "unserializableValue" in argument:  # NaN, Infinity, -0, BigInt
        return str(argument["unserializableValue"])
    if kind == "undefined":
        return "undefined"
    if argument.get("subtype") == "null":
        return "null"
    if kind == "boolean":
        return "true" if argument.get("value") else "false"
    if kind == "object" and "objectId" in argument:
        # Blink joins the arguments' string conversions: "[object Object]", "1,2", ...
        text = await stringify(str(argument["objectId"]))
        if text is not None:
            return text
    return str(argument.get("description", argument.get("value", "")))


def _first_frame(params: dict[str, Any]) -> dict[str, Any]:
    frames = params.get("stackTrace", {}).get("callFrames", [])
    return frames[0] if frames else {}


async def details_of(method: str, params: dict[str, Any], version_id: int,
                     stringify: Stringify) -> ConsoleMessageDetails | None:
    """The details of one protocol event, or None if it is not a console message."""
    if method == "Runtime.consoleAPICalled":
        texts = [await _argument_text(arg, stringify) for arg in params.get("args", [])]
        frame = _first_frame(params)
        # The protocol counts lines from 0, Chromium's ConsoleMessage from 1.
        return ConsoleMessageDetails(
            " ".join(texts), version_id, "console-api",
            _CALL_LEVELS.get(str(params.get("type")), 1), str(frame.get("url", "")),
            int(frame.get("lineNumber", -1)) + 1)
    if method == "Runtime.exceptionThrown":
        raw = params.get("exceptionDetails", {})
        description = str(raw.get("exception", {}).get("description", ""))
        text = str(raw.get("text", "Uncaught"))
        message = f"{text} {description.splitlines()[0]}" if description else text
        return ConsoleMessageDetails(message, version_id, "javascript", 3,
                                     str(raw.get("url", "")), int(raw.get("lineNumber", -1)) + 1)
    if method == "Log.entryAdded":
        entry = params.get("entry", {})
        source = str(entry.get("source", "other"))
        return ConsoleMessageDetails(
            str(entry.get("text", "")), version_id, source if source in SOURCES else "other",
            _LOG_LEVELS.get(str(entry.get("level")), 1), str(entry.get("url", "")),
            int(entry.get("lineNumber", -1)) + 1)
    return None
