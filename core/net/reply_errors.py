"""Chromium's name for a failed QtNetwork request of a session (``ses.fetch``, downloads).

Our own requests reach the network directly or through the router. Qt names a direct
connection's failure itself (mapped here to Chromium's names). The router answers an
absolute-URI request it could not connect with a 502 carrying the cause in
``NET_ERROR_HEADER``, and refuses a CONNECT, whose cause the session's network remembers
(``SessionNetwork.real_error``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtNetwork import QNetworkReply, QNetworkRequest

from core import net_errors
from core.net.http_head import NET_ERROR_HEADER

if TYPE_CHECKING:
    from core.net.session_network import SessionNetwork

_Error = QNetworkReply.NetworkError
# Errors QtNetwork reports for the router, the only proxy our requests use: the router
# refused a CONNECT, and remembers why.
_PROXY_ERRORS = frozenset({
    _Error.ProxyConnectionRefusedError, _Error.ProxyConnectionClosedError,
    _Error.ProxyNotFoundError, _Error.ProxyTimeoutError,
    _Error.ProxyAuthenticationRequiredError, _Error.UnknownProxyError,
})
_NET_ERRORS = {
    _Error.ConnectionRefusedError: "net::ERR_CONNECTION_REFUSED",
    _Error.RemoteHostClosedError: "net::ERR_CONNECTION_CLOSED",
    _Error.HostNotFoundError: "net::ERR_NAME_NOT_RESOLVED",
    _Error.TimeoutError: "net::ERR_TIMED_OUT",
    _Error.OperationCanceledError: "net::ERR_ABORTED",
    _Error.SslHandshakeFailedError: "net::ERR_SSL_PROTOCOL_ERROR",
    _Error.TemporaryNetworkFailureError: "net::ERR_NETWORK_CHANGED",
    _Error.NetworkSessionFailedError: "net::ERR_INTERNET_DISCONNECTED",
    _Error.TooManyRedirectsError: "net::ERR_TOO_MANY_REDIRECTS",
    _Error.InsecureRedirectError: "net::ERR_UNSAFE_REDIRECT",
    _Error.ProtocolUnknownError: "net::ERR_UNKNOWN_URL_SCHEME",
    _Error.ProtocolFailure: "net::ERR_INVALID_RESPONSE",
}


def reply_error(reply: QNetworkReply, network: SessionNetwork) -> str:
    """The name of ``reply``'s network error (one that left it without an HTTP answer)."""
    code = reply.error()
    # Qt reports a CONNECT the router refused as an unknown network error.
    if code in _PROXY_ERRORS or (code == _Error.UnknownNetworkError
                                 and reply.url().scheme() == "https"):
        return network.real_error(reply.url().toString(), "net::ERR_TUNNEL_CONNECTION_FAILED")
    return _NET_ERRORS.get(code, net_errors.name_for(-2))


def routed_error(reply: QNetworkReply) -> str | None:
    """The cause the router gave for an answer it made in place of a failed connection;
    None for any other answer. Only a 502 counts (the router's status for every failed
    connection), so no successful answer is ever taken for a failure."""
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    if status != 502 or not reply.hasRawHeader(NET_ERROR_HEADER.encode()):
        return None
    return reply.rawHeader(NET_ERROR_HEADER.encode()).data().decode("latin-1")
