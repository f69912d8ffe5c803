"""Electron's webRequest URL filters (Chromium match patterns), table-driven."""

from __future__ import annotations

import pytest

from core.net.match_patterns import MatchPattern, PatternError

MATCHES = [
    ("<all_urls>", "http://a.test/", True),
    ("<all_urls>", "file:///etc/hosts", True),
    ("<all_urls>", "app://bundle/x", True),
    ("*://*/*", "http://a.test/x", True),
    ("*://*/*", "https://a.test/", True),
    ("*://*/*", "ws://a.test/", False),  # "*" is http and https only
    ("*://*/*", "file:///x", False),
    ("*://example.com/*", "https://example.com/a/b?q=1", True),
    ("*://example.com/*", "https://www.example.com/", False),
    ("*://*.example.com/*", "https://example.com/", True),
    ("*://*.example.com/*", "https://a.b.example.com/x", True),
    ("*://*.example.com/*", "https://badexample.com/", False),
    ("*://*.example.com/*", "https://EXAMPLE.com/", True),
    ("*://example.com/foo/*", "http://example.com/foo/bar", True),
    ("*://example.com/foo/*", "http://example.com/foo", True),  # "/foo" + "/*" rule
    ("*://example.com/foo/*", "http://example.com/bar", False),
    ("http://foo.com/", "http://foo.com/", True),
    ("http://foo.com/", "http://foo.com/x", False),
    ("http://foo.com/", "https://foo.com/", False),
    ("http://foo:1234/", "http://foo:1234/", True),
    ("http://foo:1234/", "http://foo:1235/", False),
    ("http://foo:1234/bar", "http://foo:1234/bar", True),
    ("http://foo:*/", "http://foo:99/", True),
    ("http://foo:80/", "http://foo/", True),  # the default port counts
    ("http://*.foo:1234/", "http://a.foo:1234/", True),
    ("*://www.foo.com/", "https://www.foo.com/", True),
    ("http://127.0.0.1/*", "http://127.0.0.1/x", True),
    ("http://*.0.0.1/*", "http://127.0.0.1/x", False),  # no subdomains of an IP address
    ("http://a.test/?x=*", "http://a.test/?x=1", True),  # "?" is literal, the query counts
    ("http://a.test/p?", "http://a.test/px", False),
    ("http://a.test/*.js", "http://a.test/lib/app.js", True),
    ("http://a.test/*.js", "http://a.test/app.css", False),
    ("file:///tmp/*", "file:///tmp/a.txt", True),
    ("file://foo:1234/bar", "file:///bar", True),  # a file pattern's host is ignored
    ("file://*", "file:///anything", True),
    ("data:*", "data:text/plain,hi", True),
    ("data:text/html*", "data:text/plain,hi", False),
]


@pytest.mark.parametrize(("pattern", "url", "expected"), MATCHES)
def test_match_patterns(pattern: str, url: str, expected: bool) -> None:
    assert MatchPattern.parse(pattern).matches(url) is expected


ERRORS = [
    ("example.com/*", "Missing scheme separator."),
    ("http:example.com/*", "Wrong scheme type."),
    ("data://x/", "Wrong scheme type."),
    ("http://", "Host can not be empty."),
    ("http:///path", "Host can not be empty."),
    ("http://*./", "Host can not be empty."),
    ("*://electron.github.io", "Empty path."),
    ("http://a*b.com/", "Invalid host wildcard."),
    ("http://foo:abc/", "Invalid port."),
    ("http://foo:70000/", "Invalid port."),
    ("*://foo:80/", "Invalid port."),  # "*" has no default port
    ("http://[::1/", "Invalid host."),
    ("http://a b/", "Invalid host."),
]


@pytest.mark.parametrize(("pattern", "reason"), ERRORS)
def test_bad_patterns_raise_electrons_message(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError) as error:
        MatchPattern.parse(pattern)
    assert str(error.value) == f"Invalid url pattern {pattern}: {reason}"
    assert isinstance(error.value, TypeError)
