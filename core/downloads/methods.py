"""Which downloads came from a non-GET request (a form POST), so they stay with Chromium.

``QWebEngineDownloadRequest`` does not say which method fetched it; the profile's request
interceptor does (research/qtwebengine_network.md #5: it sees every request with its method),
so we remember the recent non-GET URLs of this profile. core/net's webRequest, when it owns the
profile's interceptor, must pass each request to ``observe`` as this one does.
"""

from __future__ import annotations

from collections import OrderedDict

from PyQt6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

_REMEMBERED = 256


class MethodLog(QWebEngineUrlRequestInterceptor):
    """Remembers the method of the latest non-GET requests by URL."""

    def __init__(self) -> None:
        super().__init__()
        self._methods: OrderedDict[str, str] = OrderedDict()

    def interceptRequest(self, info: QWebEngineUrlRequestInfo | None) -> None:
        if info is not None:
            self.observe(info.requestUrl().toString(), info.requestMethod().data().decode())

    def observe(self, url: str, method: str) -> None:
        if method.upper() == "GET":
            self._methods.pop(url, None)
            return
        self._methods[url] = method.upper()
        self._methods.move_to_end(url)
        while len(self._methods) > _REMEMBERED:
            self._methods.popitem(last=False)

    def method_of(self, url: str) -> str:
        return self._methods.get(url, "GET")
