"""Exceptions the core layer raises, as API.md names them."""

from __future__ import annotations


class NotSupportedError(Exception):
    """A feature of Electron's API that QtWebEngine cannot provide; the message says why."""


class NetError(Exception):
    """A failed load or request; ``code`` is Chromium's name (``net::ERR_CONNECTION_REFUSED``)."""

    def __init__(self, code: str, url: str = "", detail: str = "") -> None:
        self.code = code
        self.url = url
        text = f"{code} ({url})" if url else code
        super().__init__(f"{text}: {detail}" if detail else text)


class JavaScriptError(Exception):
    """A script run by ``execute_javascript`` threw, or its Promise rejected."""


DESTROYED = "Object has been destroyed"
"""Electron's message for using a destroyed object; raised as ``RuntimeError``."""
