"""The network side of a session: proxies, PAC, the local router, cookies, site data."""

from core.net.response import Response as Response
