"""clear_auth_cache and allow_ntlm_credentials_for_domains."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import app, session
from core.net import auth_allowlist
from core.web_contents import WebContents
from tests.net_extras_servers import BASIC_PASSWORD, BASIC_USER, ConnectionServer


@pytest.fixture
def server() -> Iterator[ConnectionServer]:
    running = ConnectionServer()
    yield running
    running.close()


def test_a_basic_auth_page_prompts_again_after_clear_auth_cache(
        run, unique: str, server: ConnectionServer) -> None:
    ses = session.from_partition(unique)
    asked: list[str] = []

    def login(event: Any, info: Any, callback: Any) -> None:
        asked.append(info.realm)
        callback(BASIC_USER, BASIC_PASSWORD)

    ses.on("login", login)
    page = WebContents(ses)

    async def scenario() -> list[int]:
        counts = []
        await page.load_url(server.url("/basic?first"))
        counts.append(len(asked))
        await page.load_url(server.url("/basic?cached"))
        counts.append(len(asked))
        await ses.clear_auth_cache()
        await page.load_url(server.url("/basic?cleared"))
        counts.append(len(asked))
        return counts

    assert run(scenario()) == [1, 1, 2]
    assert asked == ["partita-test", "partita-test"]
    assert page.page.title() == "authed"


def test_an_open_page_logs_in_again_after_clear_auth_cache_and_keeps_its_cookies(
        run, unique: str, server: ConnectionServer) -> None:
    ses = session.from_partition(f"persist:{unique}")
    asked: list[str] = []
    changes: list[str] = []

    def login(event: Any, info: Any, callback: Any) -> None:
        asked.append(info.url)
        callback(BASIC_USER, BASIC_PASSWORD)

    ses.on("login", login)
    ses.cookies.on("changed", lambda event, cookie, cause, removed: changes.append(cookie.name))
    page = WebContents(ses)
    fetch_basic = "fetch('/basic?fetched').then(r => r.status, e => String(e))"

    async def scenario() -> list[Any]:
        await page.load_url(server.url("/basic?first"))
        await page.execute_javascript("document.cookie = 'kept=1'")
        results: list[Any] = [await page.execute_javascript(fetch_basic), len(asked)]
        await ses.clear_auth_cache()
        # The same document, not loaded again: it still fetches, and must log in again.
        results += [await page.execute_javascript(fetch_basic), len(asked)]
        results.append([cookie.name for cookie in await ses.cookies.get()])
        return results

    assert run(scenario()) == [200, 1, 200, 2, ["kept"]]
    assert asked == [server.url("/basic?first"), server.url("/basic?fetched")]
    assert changes == ["kept"]


def test_ntlm_domains_are_saved_for_the_next_start(unique: str, data_dir: Path) -> None:
    ses = session.from_partition(unique)
    saved = data_dir / auth_allowlist.FILE_NAME
    try:
        ses.allow_ntlm_credentials_for_domains("*example.com, *foobar.com, *baz")
        assert json.loads(saved.read_text()) == {"domains": "*example.com,*foobar.com,*baz"}
        # What the next start passes to Chromium (one word: the flags variable splits at spaces).
        assert auth_allowlist.flags(data_dir) == [
            "--auth-server-allowlist=*example.com,*foobar.com,*baz"]
        for bad in (None, ["*example.com"], 3):
            with pytest.raises(TypeError, match="comma-separated"):
                ses.allow_ntlm_credentials_for_domains(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="invalid server"):
            ses.allow_ntlm_credentials_for_domains("*ok.com, ex\tample")
        assert json.loads(saved.read_text())["domains"] == "*example.com,*foobar.com,*baz"
        ses.allow_ntlm_credentials_for_domains("")
        assert auth_allowlist.flags(data_dir) == []
    finally:
        saved.unlink(missing_ok=True)
    assert app.data_dir() == data_dir and "--auth-server-allowlist" not in os.environ.get(
        "QTWEBENGINE_CHROMIUM_FLAGS", "")
