"""The ``details`` a webRequest listener receives, and what its ``callback`` may answer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class UploadData:
    """One part of a request body (Electron's ``UploadData``)."""

    bytes: bytes
    file: str | None = None
    blob_uuid: str | None = None


@dataclass
class RequestDetails:
    """Electron's webRequest ``details`` in snake_case; fields a hook does not carry are ``None``.

    ``request_headers`` and ``response_headers`` are plain dicts, so a listener may change them
    and pass them back (``callback(request_headers=details.request_headers)``), as in Electron.
    ``details["url"]`` reads a field too, for code written against Electron's plain objects.
    """

    id: int
    url: str
    method: str
    resource_type: str
    referrer: str
    timestamp: float
    web_contents_id: int | None = None
    web_contents: Any = None
    upload_data: list[UploadData] | None = None
    request_headers: dict[str, str] | None = None
    status_code: int | None = None
    status_line: str | None = None
    response_headers: dict[str, list[str]] | None = None
    from_cache: bool | None = None
    redirect_url: str | None = None
    ip: str | None = None
    error: str | None = None

    def __getitem__(self, key: str) -> Any:
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)


_FIELDS = frozenset(field.name for field in fields(RequestDetails))


@dataclass(frozen=True)
class Decision:
    """What the listeners decided for one stage; the defaults let the request go on unchanged."""

    cancel: bool = False
    redirect_url: str | None = None
    request_headers: dict[str, str] | None = None
    response_headers: dict[str, list[str]] | None = None
    status_line: str | None = None


_STATUS_LINE = re.compile(r"HTTP/\d(\.\d)? [1-5]\d\d( [^\r\n]*)?")

# The keys each blocking hook's callback accepts (Electron ignores the others; we refuse them,
# so a misspelt key is an error instead of a silent no-op).
CALLBACK_KEYS: Mapping[str, frozenset[str]] = {
    "before_request": frozenset({"cancel", "redirect_url"}),
    "before_send_headers": frozenset({"cancel", "request_headers"}),
    "headers_received": frozenset({"cancel", "response_headers", "status_line"}),
}


def decision_from(hook: str, response: Mapping[str, Any]) -> Decision:
    """Validate a callback's answer for ``hook`` and turn it into a ``Decision``."""
    unknown = set(response) - CALLBACK_KEYS[hook]
    if unknown:
        raise TypeError(
            f"unknown key(s) {sorted(unknown)} in the {hook} callback; "
            f"expected {sorted(CALLBACK_KEYS[hook])}"
        )
    cancel = response.get("cancel", False)
    if not isinstance(cancel, bool):
        raise TypeError(f"cancel must be a bool, not {cancel!r}")
    redirect_url = response.get("redirect_url")
    if redirect_url is not None and (not isinstance(redirect_url, str) or ":" not in redirect_url):
        raise TypeError(f"redirect_url must be an absolute URL string, not {redirect_url!r}")
    status_line = response.get("status_line")
    if status_line is not None and (
        not isinstance(status_line, str) or not _STATUS_LINE.fullmatch(status_line)
    ):
        raise TypeError(f"status_line must look like 'HTTP/1.1 200 OK', not {status_line!r}")
    return Decision(
        cancel=cancel,
        redirect_url=redirect_url or None,
        request_headers=_request_headers(response.get("request_headers")),
        response_headers=_response_headers(response.get("response_headers")),
        status_line=status_line,
    )


def _check_mapping(name: str, value: object) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of header names to values, not {value!r}")
    for key in value:
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name} has an invalid header name {key!r}")
    return value


def _values(name: str, key: str, value: object) -> list[str]:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in values:
        if not isinstance(item, str) or "\r" in item or "\n" in item:
            raise TypeError(f"{name}[{key!r}] must be a string without CR/LF, not {item!r}")
    return [str(item) for item in values]


def _request_headers(value: object) -> dict[str, str] | None:
    # Electron accepts string | string[] and joins a list the way Chromium folds headers.
    if value is None:
        return None
    mapping = _check_mapping("request_headers", value)
    return {key: ", ".join(_values("request_headers", key, item)) for key, item in mapping.items()}


def _response_headers(value: object) -> dict[str, list[str]] | None:
    if value is None:
        return None
    mapping = _check_mapping("response_headers", value)
    return {key: _values("response_headers", key, item) for key, item in mapping.items()}
