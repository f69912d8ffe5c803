"""``core.net.Response``: what a protocol handler returns, as Electron's handlers do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus


@dataclass(frozen=True)
class Response:
    """A complete HTTP response: ``body`` (bytes, or str sent as UTF-8), ``status``, ``headers``.

    A ``str`` body without a ``Content-Type`` header is served as ``text/plain; charset=utf-8``,
    as a WHATWG ``Response`` built from a string is.
    """

    body: bytes | str = b""
    status: int = 200
    headers: Mapping[str, str] | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.body, (bytes, bytearray, memoryview, str)):
            raise TypeError(f"body must be bytes or str, not {type(self.body).__name__}")
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not (
            200 <= self.status <= 599
        ):
            raise ValueError(f"status must be an HTTP status code (200-599), not {self.status!r}")
        if self.headers is not None and not isinstance(self.headers, Mapping):
            raise TypeError(f"headers must be a mapping, not {self.headers!r}")

    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else bytes(self.body)

    def header_items(self) -> list[tuple[str, str]]:
        """The headers, with ``Content-Type`` added for a text body that has none."""
        items = [(str(name), str(value)) for name, value in (self.headers or {}).items()]
        if isinstance(self.body, str) and not any(
            name.lower() == "content-type" for name, _ in items
        ):
            items.append(("Content-Type", "text/plain; charset=utf-8"))
        return items

    def content_type(self) -> str | None:
        for name, value in self.header_items():
            if name.lower() == "content-type":
                return value
        return None

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""
