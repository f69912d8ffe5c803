"""The address bar's text → URL rule (a pure function)."""

from __future__ import annotations

import pytest

from gui.address import search_url, to_url


@pytest.mark.parametrize(("typed", "url"), [
    ("example.com", "https://example.com"),
    ("  example.com/path?q=1  ", "https://example.com/path?q=1"),
    ("sub.example.co.uk:8443/x", "https://sub.example.co.uk:8443/x"),
    ("localhost", "http://localhost"),
    ("localhost:8080/x", "http://localhost:8080/x"),
    ("app.localhost:3000", "http://app.localhost:3000"),
    ("127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("[::1]:8000/", "http://[::1]:8000/"),
    ("http://example.com", "http://example.com"),
    ("HTTPS://Example.com/A", "HTTPS://Example.com/A"),
    ("file:///tmp", "file:///tmp"),
    ("about:blank", "about:blank"),
    ("data:text/html,<p>hi there</p>", "data:text/html,<p>hi there</p>"),
    ("", "about:blank"),
])
def test_urls_are_recognised(typed: str, url: str) -> None:
    assert to_url(typed) == url


@pytest.mark.parametrize("typed", [
    "what is qt", "qt", "1.5", "v2.0 release notes", "example.com is down", "c++ tutorial",
])
def test_everything_else_is_a_search(typed: str) -> None:
    assert to_url(typed) == search_url(typed.strip())
    assert to_url(typed).startswith("https://duckduckgo.com/?q=")


def test_search_terms_are_encoded_into_the_configured_template() -> None:
    assert to_url("what is qt") == "https://duckduckgo.com/?q=what+is+qt"
    assert to_url("a&b=c", "https://search.example/?s={}") == "https://search.example/?s=a%26b%3Dc"


def test_a_template_without_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match=r"search\.example"):
        to_url("qt docs", "https://search.example/")


def test_registered_custom_schemes_are_kept() -> None:
    assert to_url("partita:settings", extra_schemes=["partita"]) == "partita:settings"
    assert to_url("partita:settings").startswith("https://duckduckgo.com/")
