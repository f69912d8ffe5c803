"""set_proxy's grammar and resolve_proxy's answers, table-driven.

Cases marked "Chromium" come from net/proxy_resolution/proxy_config_unittest.cc
(ParseProxyRules, ProxyConfigWebSocketTest) and proxy_bypass_rules_unittest.cc; where Chromium
silently drops a piece, this API raises instead (marked "stricter").
"""

from __future__ import annotations

import pytest

from core.net.bypass import parse_bypass_rules
from core.net.proxy_config import ProxyConfig, parse_proxy_config, resolve_proxy
from core.net.url_host import UrlParts


def fixed(rules: str, bypass: str = "") -> ProxyConfig:
    return parse_proxy_config(proxy_rules=rules, proxy_bypass_rules=bypass)


RULES = [
    # (proxy_rules, url, answer)
    ("myproxy:80", "http://a.com/", "PROXY myproxy:80"),  # Chromium: one proxy for all
    ("myproxy:80", "https://a.com/", "PROXY myproxy:80"),
    ("myproxy:80,https://myotherproxy", "ftp://a.com/",  # Chromium: fail-over list
     "PROXY myproxy:80;HTTPS myotherproxy:443"),
    ("http=myproxy:80", "http://a.com/", "PROXY myproxy:80"),  # Chromium: http only
    ("http=myproxy:80", "https://a.com/", "DIRECT"),
    ("ftp=ftp-proxy ; https=socks4://foopy", "https://a/", "SOCKS foopy:1080"),  # Chromium
    ("ftp=ftp-proxy ; https=socks4://foopy", "ftp://a/", "PROXY ftp-proxy:80"),
    ("ftp=ftp1,ftp2,ftp3", "ftp://a/", "PROXY ftp1:80;PROXY ftp2:80;PROXY ftp3:80"),  # Chromium
    ("http=http1,http2; http=http3", "http://a/",  # Chromium: entries accumulate
     "PROXY http1:80;PROXY http2:80;PROXY http3:80"),
    ("http=https://secure_proxy; ftp=socks4://socks_proxy; https=socks://foo",  # Chromium
     "http://a/", "HTTPS secure_proxy:443"),
    ("http=https://secure_proxy; ftp=socks4://socks_proxy; https=socks://foo",
     "https://a/", "SOCKS5 foo:1080"),  # socks:// is SOCKS5 in URI form
    ("socks=foopy", "http://a/", "SOCKS foopy:1080"),  # Chromium: socks= is the SOCKS4 fallback
    ("http=httpproxy ; https=httpsproxy ; socks=socks5://foopy ", "ftp://a/",
     "SOCKS5 foopy:1080"),  # Chromium
    ("http=direct://,myhttpproxy; https=direct://", "http://a/",
     "DIRECT;PROXY myhttpproxy:80"),  # Chromium
    ("http=myhttpproxy,direct://", "http://a/", "PROXY myhttpproxy:80;DIRECT"),  # Chromium
    ("proxy:3128", "ws://example.com/echo", "PROXY proxy:3128"),  # Chromium WebSocket: UsesProxy
    ("http=proxy:3128 ; https=sslproxy:3128 ; socks=socksproxy:1080",
     "ws://example.com/echo", "SOCKS socksproxy:1080"),  # Chromium: PrefersSocksV4
    ("http=proxy:3128 ; https=sslproxy:3128", "wss://example.com/echo",
     "PROXY sslproxy:3128"),  # Chromium: PrefersHttpsToHttp
    ("foopy:80,bar,direct://", "http://a/", "PROXY foopy:80;PROXY bar:80;DIRECT"),  # Electron doc
    ("socks4://foopy", "http://a/", "SOCKS foopy:1080"),  # Electron doc
    ("http=foopy,socks5://bar.com", "http://a/", "PROXY foopy:80;SOCKS5 bar.com:1080"),
    ("http=foopy;socks=foopy2", "https://a/", "SOCKS foopy2:1080"),  # Electron doc
    ("[::1]:3128", "http://a/", "PROXY [::1]:3128"),
    ("HTTPS://UPPER.Example:8443", "http://a/", "HTTPS upper.example:8443"),
    ("", "http://a/", "DIRECT"),
]


@pytest.mark.parametrize(("rules", "url", "expected"), RULES)
def test_proxy_rules(rules: str, url: str, expected: str) -> None:
    assert resolve_proxy(fixed(rules), url) == expected


BYPASS = [
    # (bypass rules, url, bypassed?)
    ("wWw.gOogle.com", "ftp://www.google.com:99", True),  # Chromium ParseAndMatchBasicHost
    ("wWw.gOogle.com", "http://foo.www.google.com", False),
    (".gOOgle.com", "http://foo:bar@baz.google.com#x", True),  # Chromium ParseAndMatchBasicDomain
    (".gOOgle.com", "http://google.com", False),
    ("*.GOOGLE.com:80", "http://www.google.com", True),  # Chromium ...WithPort
    ("*.GOOGLE.com:80", "https://www.google.com", False),
    ("*", "https://a.google.com:80?x", True),  # Chromium MatchAll
    ("*.org:443", "https://www.google.org", True),  # Chromium WildcardAtStart
    ("*.org:443", "http://www.google.org", False),
    ("192.168.1.1", "https://192.168.1.1:90", True),  # Chromium IPV4Address
    ("192.168.1.1", "http://sup.192.168.1.1", False),
    ("192.168.1.1:33", "http://192.168.1.1", False),  # Chromium IPV4AddressWithPort
    ("[3ffe:2a00:100:7031:0:0::1]", "http://[3ffe:2a00:100:7031::1]:33", True),  # Chromium IPV6
    ("[3ffe:2a00:100:7031::1]:33", "http://[3ffe:2a00:100:7031::1]", False),
    ("http://www.google.com", "https://www.google.com", False),  # Chromium HTTPOnly
    ("http://*www.google.com", "http://foo.www.google.com", True),  # Chromium HTTPOnlyWithWildcard
    ("192.168.1.1/16", "http://[::ffff:192.168.11.11]", True),  # Chromium CIDR_IPv4
    ("192.168.1.1/16", "http://192.169.1.1", False),
    ("a:b:c:d::/48", "http://[A:b:C:9::]", True),  # Chromium CIDR_IPv6
    ("::ffff:192.168.1.1/112", "http://192.168.11.11", True),  # Chromium
    ("::fffe:192.168.1.1/112", "http://192.168.11.11", False),  # Chromium
    ("127.0.1", "http://127.0.0.1:9/", True),  # Electron doc: an IP literal in short form
    ("10.0.0.0/8", "http://0x0a.1/", True),  # GURL reads 0x0a.1 as 10.0.0.1
    ("<local>", "http://example/", True),  # Chromium BypassSimpleHostnames
    ("<local>", "http://example.com/", False),
    ("<local>", "http://[dead::beef]/", False),
    # Implicit rules (Chromium DefaultImplicitRules) and <-loopback> (NegativeWinLoopback).
    ("", "http://localhost/", True),
    ("", "http://foo.localhost/", True),
    ("", "http://127.100.0.2/", True),
    ("", "http://[::1]/", True),
    ("", "http://[::fFfF:127.100.0.0]/", True),
    ("", "http://169.254.3.2/", True),
    ("", "http://[FE80::8]/", True),
    ("", "http://[::127.0.0.1]/", False),
    ("", "http://192.168.0.1/", False),
    ("", "http://loopback/", False),
    ("www.example.com;<-loopback>", "http://127.0.0.1/", False),
    ("www.example.com;<-loopback>", "http://www.example.com/", True),
    ("<-loopback>; localhost", "http://localhost/", True),  # Chromium RemoveImplicitAndAdd...
    ("<-loopback>; localhost", "http://127.0.0.1/", False),
    ("localhost; <-loopback>", "http://localhost/", False),  # Chromium AddLocalhostThenRemove...
    ("<Local>; <-LoopBacK>", "http://foo/", True),  # Chromium: case-insensitive
]


@pytest.mark.parametrize(("bypass", "url", "bypassed"), BYPASS)
def test_bypass_rules(bypass: str, url: str, bypassed: bool) -> None:
    assert parse_bypass_rules(bypass).matches(UrlParts.parse(url)) is bypassed
    answer = resolve_proxy(fixed("proxy:3128", bypass), url)
    assert answer == ("DIRECT" if bypassed else "PROXY proxy:3128")


def test_bypass_rules_print_as_chromium() -> None:
    # Chromium DoesNotUseSuffixMatching, IPV6Address, LoopbackAndLocalCaseInsensitive.
    rules = parse_bypass_rules("foo1.com, .foo2.com, 192.168.1.1, *foobar.com:80, *.foo, "
                               "http://baz, <Local>, [3ffe:2a00:100:7031:0:0::1], <-LoOpBack>")
    assert str(rules) == ("foo1.com;*.foo2.com;192.168.1.1;*foobar.com:80;*.foo;http://baz;"
                          "<local>;[3ffe:2a00:100:7031::1];<-loopback>;")


@pytest.mark.parametrize(("rules", "names"), [
    ("crazy=foopy ; https=myhttpsproxy", "'crazy'"),  # stricter: Chromium drops unknown schemes
    ("foopy ; ftp=ftp-proxy", "'ftp=ftp-proxy'"),  # stricter: Chromium ignores the rest
    ("ftp=ftp-proxy ; foopy", "'foopy'"),  # stricter: Chromium skips it
    ("http=[https://proxy1:8080 https://proxy2:8080]", "proxy1"),  # Chromium: no proxy set
    ("foo:", "empty port"),  # Chromium rejects "foo:" too
    ("foo:65536", "65536"),
    ("quic://foopy:443", "'quic'"),  # release builds of Chromium refuse QUIC proxies
    ("user:pass@foopy", "user names"),
    ("direct://host", "DIRECT takes no host"),
    ("http=", "empty proxy list"),
    ("bad host:80", "invalid character"),
])
def test_invalid_proxy_rules_name_the_piece(rules: str, names: str) -> None:
    with pytest.raises(ValueError, match="proxy") as error:
        parse_proxy_config(proxy_rules=rules)
    assert names in str(error.value)


@pytest.mark.parametrize(("bypass", "names"), [
    ("://", "empty scheme"),  # Chromium BadInputs
    ("http://", "no host pattern"),
    ("*.foo.com:-34", "'-34'"),
    ("*.com:+443", "'+443'"),  # Chromium ParseInvalidPort
    ("[a:b:c:d::]/48", "CIDR"),  # Chromium ParseBracketedIPv6Range: refused
    ("10.0.0.0/33", "CIDR"),
    ("bad host", "not a host pattern"),
])
def test_invalid_bypass_rules_name_the_piece(bypass: str, names: str) -> None:
    with pytest.raises(ValueError, match="bypass rule") as error:
        parse_proxy_config(proxy_rules="p:1", proxy_bypass_rules=bypass)
    assert names in str(error.value)


def test_mode_precedence() -> None:
    # Electron's Session::SetProxy: without a mode, a PAC URL wins over proxy rules.
    both = parse_proxy_config(pac_script="http://wpad/x.pac", proxy_rules="foopy:80")
    assert (both.mode, both.pac_url) == ("pac_script", "http://wpad/x.pac")
    assert both.pac_mandatory
    assert parse_proxy_config(proxy_rules="foopy:80").mode == "fixed_servers"
    assert parse_proxy_config().mode == "direct"
    assert parse_proxy_config(mode="fixed_servers").mode == "direct"  # no rules: direct
    assert resolve_proxy(parse_proxy_config(mode="direct", proxy_rules="foopy:80"),
                         "http://a/") == "DIRECT"
    auto = parse_proxy_config(mode="auto_detect")
    assert (auto.pac_url, auto.pac_mandatory) == ("http://wpad/wpad.dat", False)
    # Not fetched yet: auto-detect falls back to direct, a mandatory PAC refuses.
    assert resolve_proxy(auto, "http://a/") == "DIRECT"
    with pytest.raises(ValueError, match="MANDATORY_PROXY_CONFIGURATION_FAILED"):
        resolve_proxy(both, "http://a/")


@pytest.mark.parametrize("kwargs", [
    {"mode": "fixed"}, {"mode": "pac_script"}, {"pac_script": "ftp://x/p.pac"},
    {"pac_script": "not a url"},
])
def test_invalid_mode_and_pac_url(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"mode|pac_script"):
        parse_proxy_config(**kwargs)


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError, match="proxy_rules must be a string"):
        parse_proxy_config(proxy_rules=["foopy:80"])  # type: ignore[arg-type]


def test_system_mode_reads_the_environment_like_chromium() -> None:
    env = {"http_proxy": "http://user:pw@hp:3128/", "HTTPS_PROXY": "socks5://sp",
           "no_proxy": "example.com,10.0.0.0/8"}
    config = parse_proxy_config(mode="system", environ=env)
    assert resolve_proxy(config, "http://a.b/") == "PROXY hp:3128"
    assert resolve_proxy(config, "https://a.b/") == "SOCKS5 sp:1080"
    assert resolve_proxy(config, "http://www.example.com/") == "DIRECT"  # suffix matching
    assert resolve_proxy(config, "http://10.2.3.4/") == "DIRECT"
    assert resolve_proxy(parse_proxy_config(mode="system", environ={"all_proxy": "ap:1"}),
                         "ftp://x/") == "PROXY ap:1"
    socks = parse_proxy_config(mode="system", environ={"SOCKS_SERVER": "s:9", "SOCKS_VERSION": "4"})
    assert resolve_proxy(socks, "http://x/") == "SOCKS s:9"
    assert resolve_proxy(parse_proxy_config(mode="system", environ={}), "http://x/") == "DIRECT"
    pac = parse_proxy_config(mode="system", environ={"auto_proxy": "http://h/p.pac"})
    assert (pac.pac_url, pac.pac_mandatory) == ("http://h/p.pac", False)


def test_config_is_immutable() -> None:
    config = fixed("foopy:80")
    with pytest.raises(AttributeError):
        config.mode = "direct"  # type: ignore[misc]
