"""A DNS server on 127.0.0.1 for the tests, in its own thread.

It answers A and AAAA questions from ``records`` (what a test sets), NXDOMAIN for other
names, and counts the questions per name, so a test can tell a cached answer from a new one.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections import Counter

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(self, ttl: int = 300, negative_ttl: int | None = None) -> None:
        """``negative_ttl``: answers without addresses carry an SOA with that TTL (the zone's
        negative caching time); None: no SOA, so the failure is not kept fresh."""
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.failing = False  # True: every answer is SERVFAIL
        self._records: dict[str, list[str]] = {}
        self._asked: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = int(self._sock.getsockname()[1])
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)
        self._thread.start()

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, name: str, *addresses: str) -> None:
        """Answer ``name`` with these addresses (IPv4 for A, IPv6 for AAAA); none: NXDOMAIN."""
        with self._lock:
            if addresses:
                self._records[name.lower()] = list(addresses)
            else:
                self._records.pop(name.lower(), None)

    def questions(self, name: str) -> int:
        """How many A and AAAA questions about ``name`` arrived so far."""
        with self._lock:
            return self._asked[name.lower()]

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while self._running:
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            with contextlib.suppress(dns.exception.DNSException):
                self._sock.sendto(self._answer(dns.message.from_wire(data)).to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        version = 6 if question.rdtype == dns.rdatatype.AAAA else 4
        with self._lock:
            self._asked[name] += 1
            known = self._records.get(name)
        if self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        addresses = [a for a in known or [] if ipaddress.ip_address(a).version == version]
        if addresses:
            response.answer.append(dns.rrset.from_text_list(
                question.name, self.ttl, dns.rdataclass.IN, question.rdtype, addresses))
            return response
        if known is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if self.negative_ttl is not None:
            response.authority.append(dns.rrset.from_text(
                dns.name.root, self.negative_ttl, dns.rdataclass.IN, dns.rdatatype.SOA,
                f"ns.test. admin.test. 1 3600 600 86400 {self.negative_ttl}"))
        return response
