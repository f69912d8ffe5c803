"""``ses.clear_auth_cache``: forget the HTTP authentication Chromium cached for a session.

QtWebEngine 6.11 has no call for it, and neither has the DevTools protocol of Chromium 140
(``Network.clearBrowserCache`` leaves the credentials: measured, a Basic-auth page did not ask
again). The only way is ``QWebEngineProfile.clearHttpCache``: after emptying the HTTP cache it
gives the profile a new network context (``ProfileIODataQt::resetNetworkContext``), whose
auth cache starts empty. Measured on the old context's way out, for persistent and in-memory
partitions alike:

* the cookie jar is replaced: by the cookies already written to disk, or by none in memory.
  So the jar is listed before and put back after (``Cookies.kept_across``);
* every open document keeps URL loaders bound to the old context: each ``fetch()`` fails
  ("Failed to fetch") until the page navigates. Enabling and disabling DevTools ``Fetch``
  interception on a page makes Chromium push it new loader factories
  (``UpdateSubresourceLoaderFactories``) for its frames and their dedicated workers, so that
  is done for every page and out-of-process frame of the session;
* a running service worker that no DevTools client holds stops (measured) and starts again
  with the new context on its next event.

What stays lost, as with any new network context: the HTTP cache (emptied on purpose first),
open connections, the DNS cache and, in memory, HSTS entries.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from PyQt6.QtWebEngineCore import QWebEngineProfile

from core import devtools

if TYPE_CHECKING:
    from core.net.cookies import Cookies

# Targets whose documents hold URL loader factories (an "iframe" target is an out-of-process
# frame; frames in their page's process are covered by the page).
_DOCUMENT_TARGETS = frozenset({"page", "iframe"})


async def clear_auth_cache(profile: QWebEngineProfile, channel: devtools.ProfileChannel,
                           cookies: Cookies) -> None:
    await cookies.kept_across(lambda: _new_network_context(profile))
    await _renew_loaders(channel)


async def _new_network_context(profile: QWebEngineProfile) -> None:
    done = asyncio.get_running_loop().create_future()

    def finished() -> None:
        if not done.done():
            done.set_result(None)

    profile.clearHttpCacheCompleted.connect(finished)
    try:
        profile.clearHttpCache()
        await done
    finally:
        profile.clearHttpCacheCompleted.disconnect(finished)


async def _renew_loaders(channel: devtools.ProfileChannel) -> None:
    own = await channel.send("Target.getTargetInfo")
    context = own["targetInfo"]["browserContextId"]
    listed = await devtools.hub().send("Target.getTargets")
    await asyncio.gather(*(
        _renew(target["targetId"]) for target in listed["targetInfos"]
        if target.get("browserContextId") == context and target["type"] in _DOCUMENT_TARGETS
    ))


async def _renew(target_id: str) -> None:
    # A page closed meanwhile is gone from the protocol too: nothing left to renew.
    with contextlib.suppress(devtools.CdpError, RuntimeError):
        session = await devtools.hub().attach_target(target_id)
        try:
            # No pattern: nothing is paused; enabling and disabling each renew the factories.
            await session.send("Fetch.enable", {"patterns": []})
            await session.send("Fetch.disable")
        finally:
            await session.detach()
