"""Header values the session sets: validation and Chromium's Accept-Language q-values."""

from __future__ import annotations

import re

_LANGUAGE = re.compile(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")


def check_header_value(what: str, value: object) -> None:
    """A header value must be text with no line breaks or NUL (they would split the header)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {value!r}")
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"{what} contains a line break or NUL: {value!r}")


def accept_language_header(languages: str) -> str:
    """``en-US,fr,de`` → ``en-US,fr;q=0.9,de;q=0.8``, as Chromium's
    ``net::HttpUtil::GenerateAcceptLanguageHeader`` writes it.

    The first language has no q-value, each next one 0.1 less, never below 0.1.
    """
    codes = [code.strip() for code in languages.split(",") if code.strip()]
    if not codes:
        raise ValueError(f"accept_languages lists no language code: {languages!r}")
    for code in codes:
        if not _LANGUAGE.match(code):
            raise ValueError(f"invalid language code {code!r} in accept_languages {languages!r}")
    parts = [codes[0]]
    qvalue = 10
    for code in codes[1:]:
        qvalue = max(qvalue - 1, 1)
        parts.append(f"{code};q=0.{qvalue}")
    return ",".join(parts)
