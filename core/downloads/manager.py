"""A session's downloads: Electron's ``will-download`` and the session's download methods.

Chromium's downloads (a link click, ``page.download``) arrive through the profile's
``downloadRequested``; HTTP(S) GET ones are handed to our engine (resumable after a restart,
segmented, rate-limited), the rest (blob:, data:, POST) stay with Chromium. Both are the same
``DownloadItem`` to a listener.
"""

from __future__ import annotations

import collections
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import (
    QNetworkAccessManager,
    QNetworkReply,
)
from PyQt6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEnginePage

from core import app
from core.downloads import cookies, names, store
from core.downloads.chromium import ChromiumDownload, record_for
from core.downloads.engine import HttpDownload
from core.downloads.item import Backend, DownloadItem
from core.downloads.methods import MethodLog
from core.downloads.record import PART_SUFFIX, DownloadRecord, Segment
from core.downloads.settings import DownloadSettings
from core.events import Event
from core.headers import check_header_value
from core.net.reply_errors import reply_error

if TYPE_CHECKING:
    from core.session import Session
    from core.web_contents import WebContents

log = logging.getLogger("partita.downloads")

_HTTP_SCHEMES = ("http", "https")
_CHROMIUM_SCHEMES = ("data", "blob", "file", "filesystem")  # what Chromium's downloader takes
AUTO_RESUME_KEY = "downloads.auto_resume"  # in the partition's settings


def _is_http(url: str) -> bool:
    return QUrl(url).scheme().lower() in _HTTP_SCHEMES


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name} must be a non-negative integer, not {value!r}")
    return value


class DownloadManager:
    """Owned by one ``Session``; implements ``engine.Host`` for its HTTP downloads."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._settings = DownloadSettings()
        self.nam = QNetworkAccessManager()
        self.nam.setCookieJar(cookies.NoCookieJar())
        storage = session.storage_path
        self._store = store.DownloadStore(
            os.path.join(storage, store.FILE_NAME) if storage else None)
        self._items: list[DownloadItem] = []
        self._active: list[HttpDownload] = []
        self._queue: collections.deque[HttpDownload] = collections.deque()
        self._closing = False
        self._hidden: WebContents | None = None  # the page direct Chromium downloads start in
        self._api_urls: collections.Counter[str] = collections.Counter()  # see expect_api_download
        self._methods = MethodLog()
        session.profile.setUrlRequestInterceptor(self._methods)
        session.profile.downloadRequested.connect(self._chromium_request)
        for record in self._store.load():
            self._items.append(self._item(record, None, announced=True))
        if session.settings.get(AUTO_RESUME_KEY) is True:
            self._settings = self._settings.with_changes(auto_resume=True)
            # Once the session is whole (its proxy settings are set after this manager).
            app.loop().call_soon(self._resume_stopped)

    # ----------------------------------------------------------------- settings
    @property
    def settings(self) -> DownloadSettings:
        return self._settings

    def configure(self, **changes: Any) -> None:
        """Change settings (``DownloadSettings`` field names); invalid values change nothing."""
        self._settings = self._settings.with_changes(**changes)
        self._fill_slots()
        if changes.get("auto_resume"):
            self._resume_stopped()

    def set_auto_resume(self, enabled: bool) -> None:
        """Turn auto-resume on or off, for this run and, in the partition's settings, the next."""
        if not isinstance(enabled, bool):
            raise TypeError(f"auto-resume must be a bool, not {enabled!r}")
        self._session.settings.set(AUTO_RESUME_KEY, enabled)
        self.configure(auto_resume=enabled)

    def _resume_stopped(self) -> None:
        """Resume the downloads that Partita's stop interrupted (not those the user paused
        or that failed: they wait for the user)."""
        if self._closing or not self._settings.auto_resume:
            return
        for item in self._items:
            if (item.get_state() == "interrupted" and item.get_interrupt_reason() == store.STOPPED
                    and item.can_resume()):
                item.resume()

    # ----------------------------------------------------------------- the session's methods
    def get_downloads(self) -> list[DownloadItem]:
        return list(self._items)

    def download_url(self, url: str,
                     headers: Mapping[str, str] | None = None) -> DownloadItem | None:
        """Start downloading ``url``; returns the item for HTTP(S) URLs.

        Other schemes (data:, blob:) go to Chromium, which starts asynchronously: as in
        Electron, their item arrives through ``will-download``.
        """
        if not isinstance(url, str) or not QUrl(url).isValid() or not QUrl(url).scheme():
            raise TypeError(f"url must be an absolute URL string, not {url!r}")
        if headers is not None and not isinstance(headers, Mapping):
            raise TypeError("Invalid value for headers - must be an object")
        extra = dict(headers or {})
        for name, value in extra.items():
            check_header_value(f"header {name!r}", name)
            check_header_value(f"header {name!r}", value)
        scheme = QUrl(url).scheme().lower()
        if scheme in _CHROMIUM_SCHEMES:
            self._download_with_chromium(url, extra)
            return None
        record = DownloadRecord(url_chain=[url], headers=extra)
        item = self._item(record, None, announced=False)
        self._items.append(item)
        backend = item._b
        if scheme in _HTTP_SCHEMES:
            backend.start()
        else:
            assert isinstance(backend, HttpDownload)
            reason = f"Cannot download {scheme}: addresses"
            # After this call returns, so that its caller sees will-download and done.
            app.loop().call_soon(backend.fail, reason)
        return item

    def restart(self, item: DownloadItem) -> DownloadItem | None:
        """Download ``item`` again from its first address with its headers, as a new item;
        ``item`` is removed (so it must not be in progress)."""
        if not isinstance(item, DownloadItem):
            raise TypeError(f"expected a DownloadItem, not {item!r}")
        url, headers = item.get_url_chain()[0], dict(item._r.headers)
        self.remove([item])
        return self.download_url(url, headers)

    def create_interrupted_download(
        self, *, path: str, url_chain: list[str], mime_type: str | None = None,
        offset: int = 0, length: int = 0, last_modified: str | None = None,
        etag: str | None = None, start_time: float | None = None,
    ) -> DownloadItem | None:
        """An ``interrupted`` item whose partial bytes are in ``path``; ``resume()`` finishes it.

        Returns the item (Electron hands it out through ``will-download`` only), or None when a
        ``will-download`` listener prevented it.
        """
        if not isinstance(path, str) or not os.path.isabs(path):
            raise TypeError(f"path must be an absolute path, not {path!r}")
        if (isinstance(url_chain, str) or not isinstance(url_chain, list) or not url_chain
                or not all(isinstance(u, str) and u for u in url_chain)):
            raise TypeError(f"url_chain must be a non-empty list of URLs, not {url_chain!r}")
        offset, length = _check_int("offset", offset), _check_int("length", length)
        if length and offset > length:
            raise ValueError(f"offset {offset} is beyond length {length}")
        record = DownloadRecord(
            url_chain=list(url_chain), backend="http" if _is_http(url_chain[-1]) else "chromium",
            save_path=path, path_chosen_by_user=True, mime_type=mime_type or "",
            total=length, etag=etag or "", last_modified=last_modified or "",
            state="interrupted", reason="created as an interrupted download",
            segments=[Segment(0, length or None, offset)],
        )
        record.suggested_name = os.path.basename(path)
        if start_time is not None:
            record.start_time = float(start_time)
        # Electron keeps the partial bytes in ``path`` itself; our engine appends to the
        # ``.part`` file and renames it at the end, so the bytes move there.
        part = path + PART_SUFFIX
        if os.path.isfile(path) and not os.path.lexists(part):
            os.rename(path, part)
        try:
            size = os.path.getsize(part)
        except OSError:
            size = 0
        record.segments[0].done = min(offset, size)
        item = self._item(record, None, announced=True)
        if not self._announce(item, None):
            return None
        self._items.append(item)
        self.save(record)
        return item

    def remove(self, items: Iterable[DownloadItem]) -> None:
        """Forget downloads that are not in progress: their records go from the store and the
        items are destroyed, as Chromium's ``DownloadItem::Remove``. A completed file stays;
        an interrupted download's partial bytes go, since nothing could resume them. Every
        item is checked before anything changes."""
        chosen = list(items)
        known = set(self._items)
        for item in chosen:
            if not isinstance(item, DownloadItem):
                raise TypeError(f"expected a DownloadItem, not {item!r}")
            state = item.get_state()  # RuntimeError for a destroyed (removed) item
            if item not in known:
                raise ValueError(f"{item!r} is not a download of this session")
            if state == "progressing":
                raise ValueError(f"{item!r} is in progress: cancel it before removing it")
        self._store.delete(i._r.id for i in chosen if i._r.id is not None)
        gone = set(chosen)
        self._items = [item for item in self._items if item not in gone]
        for item in gone:
            item._b.discard()
            item._destroy()

    def clear_finished(self) -> int:
        """Remove every completed and cancelled download; returns how many."""
        chosen = [item for item in self._items if item.get_state() in ("completed", "cancelled")]
        self.remove(chosen)
        return len(chosen)

    def remove_by_url(self, wanted: Callable[[str], bool]) -> None:
        """``clear_data``'s "downloads": every download not in progress whose URL ``wanted``
        accepts (Chromium's ``RemoveDownloadsByURLAndTime``)."""
        self.remove(item for item in self._items
                    if item.get_state() != "progressing" and wanted(item.get_url()))

    # ----------------------------------------------------------------- engine.Host
    def request_headers(self, record: DownloadRecord) -> dict[str, str]:
        headers = cookies.identity_headers(self._session)
        if record.referrer:
            headers["Referer"] = record.referrer
        headers.update(record.headers)
        return headers

    async def cookie_header(self, url: str) -> str | None:
        return await cookies.cookie_header(self._session, url)

    def keep_cookies(self, reply: QNetworkReply) -> None:
        cookies.keep_cookies(self._session, reply)

    def network_error(self, reply: QNetworkReply) -> str:
        return reply_error(reply, self._session.network)

    def announce(self, item: DownloadItem) -> bool:
        return self._announce(item, None)

    def default_path(self, record: DownloadRecord) -> str:
        folder = self._session.get_download_path()
        os.makedirs(folder, exist_ok=True)
        reserved = {i.get_save_path() for i in self._items
                    if not i.is_destroyed() and i.get_state() == "progressing"}
        return names.unique_path(folder, record.suggested_name or names.FALLBACK_NAME, reserved)

    def save(self, record: DownloadRecord) -> None:
        self._store.save(record)

    def want_slot(self, download: HttpDownload) -> bool:
        if download in self._active:
            return True
        if len(self._active) < self._settings.max_active:
            self._active.append(download)
            return True
        if download not in self._queue:
            self._queue.append(download)
        return False

    def release_slot(self, download: HttpDownload) -> None:
        if download in self._active:
            self._active.remove(download)
        if download in self._queue:
            self._queue.remove(download)
        self._fill_slots()

    def _fill_slots(self) -> None:
        while not self._closing and self._queue and len(self._active) < self._settings.max_active:
            waiting = self._queue.popleft()
            self._active.append(waiting)
            waiting.run()

    # ----------------------------------------------------------------- items
    def _item(self, record: DownloadRecord, request: QWebEngineDownloadRequest | None,
              *, announced: bool) -> DownloadItem:
        item = DownloadItem(record)
        backend: Backend
        if record.backend == "http":
            backend = HttpDownload(item, record, self, announced=announced)
        else:
            backend = ChromiumDownload(item, record, request, self.save)
        item._attach(backend)
        return item

    def _announce(self, item: DownloadItem, contents: WebContents | None) -> bool:
        """Emit ``will-download``; a prevented item is destroyed and forgotten."""
        event = Event()
        self._session.emit("will-download", event, item, contents)
        if not event.default_prevented:
            return True
        if item in self._items:
            self._items.remove(item)
        item._destroy()
        return False

    def _contents_for(self, page: QWebEnginePage | None) -> WebContents | None:
        for contents in list(self._session._web_contents):
            # The hidden page starts ``download_url``'s downloads: Electron reports no page.
            if contents is not self._hidden and not contents.is_destroyed() \
                    and contents.page is page:
                return contents
        return None

    def _download_with_chromium(self, url: str, headers: dict[str, str]) -> None:
        if headers:
            log.info("headers are not passed to Chromium's downloader for %s", url)
        if self._hidden is None or self._hidden.is_destroyed():
            from core.web_contents import WebContents  # imports core.session: at run time only

            self._hidden = WebContents(self._session)  # adopted: closed with the session
        self._hidden.page.download(QUrl(url))

    def expect_api_download(self, url: QUrl) -> None:
        """``WebContents.download_url`` asks its page for ``url``: no user started it."""
        self._api_urls[url.toString()] += 1

    def _chromium_request(self, request: QWebEngineDownloadRequest) -> None:
        url = request.url().toString()
        contents = self._contents_for(request.page())
        record = record_for(request)
        by_api = self._api_urls[url] > 0
        if by_api:
            self._api_urls[url] -= 1
            if not self._api_urls[url]:
                del self._api_urls[url]
        # QtWebEngine does not say whether a gesture started a page's download (neither the
        # download request, nor the interceptor: a script's location.href and a click are
        # both "link" navigations; the navigation consumes navigator.userActivation before
        # the download is reported; only DevTools' Network domain knows, on for every page
        # at a cost). A download a page started is taken as the user's; one started through
        # the API (download_url of the session or a page) is not, as in Electron.
        record.has_user_gesture = contents is not None and not by_api
        take_over = (_is_http(url) and not request.isSavePageDownload()
                     and self._methods.method_of(url) == "GET")
        if take_over:
            record.backend = "http"
            record.referrer = contents.get_url() if contents is not None else ""
        item = self._item(record, request, announced=True)
        self._items.append(item)
        if not self._announce(item, contents):
            request.cancel()
            return
        if not record.save_path:
            record.save_path = self.default_path(record)
        if take_over:
            request.cancel()  # our engine fetches it again, resumably
        item._b.start()

    # ----------------------------------------------------------------- shutdown
    def shutdown(self) -> None:
        """Stop transfers without events; unfinished items come back interrupted next run."""
        self._closing = True
        for download in list(self._active) + list(self._queue):
            download.stop_for_shutdown()
        self._session.profile.downloadRequested.disconnect(self._chromium_request)
        self._session.profile.setUrlRequestInterceptor(None)
        self._store.close()
