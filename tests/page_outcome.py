"""What a user sees after loading a URL: the page's title, or the net error's name."""

from __future__ import annotations

from core.errors import NetError
from core.session import Session
from core.web_contents import WebContents


async def load_outcome(ses: Session, url: str) -> str:
    page = WebContents(ses)
    try:
        await page.load_url(url)
    except NetError as error:
        return error.code
    return page.page.title()
