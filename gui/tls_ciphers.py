"""The TLS cipher suites a user can disable, by IANA name, and their 0xAABB codes.

Exactly the TLS 1.0-1.2 suites this Chromium offers: measured from the ClientHello of
QtWebEngine 6.11 (Chromium 140), which also offers 0x1301-0x1303 (TLS 1.3 suites, which
Electron's ``disabledCipherSuites`` cannot disable) and a GREASE value, and nothing else
(no 3DES, no ECDSA-CBC). tests/test_gui_ssl.py checks the table against a live ClientHello.
"""

from __future__ import annotations

# In the order Chromium offers them (its preference).
CIPHER_SUITES: dict[int, str] = {
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
}


def code_text(code: int) -> str:
    """``0x009C``: the spelling Electron's documentation uses for a suite's code."""
    return f"0x{code:04X}"


def name_of(code: int) -> str:
    """The IANA name of a suite this Chromium offers, else its code (a suite set through the
    API that this table does not know is still shown, and kept, by its number)."""
    return CIPHER_SUITES.get(code, code_text(code))

