"""What may go on the wire: endpoints, extra headers and the names of a call.

Every rule here runs when a client is built (or a ``with_options`` copy is
made), so that a request that would go unsigned, elsewhere, or with two
framings is refused with a ``ValueError`` before anything is sent, and is
never retried as a transport failure.

- :func:`parse_endpoint`: an endpoint URL is a scheme, a host and a port,
  nothing else. User info (``user:pass@``: httpx would send Basic auth and
  move the request to the host after the ``@``), backslashes, a query, a
  fragment, whitespace, control characters, non-ASCII text (give the IDNA
  ``xn--`` form), an empty host and a bad port are refused. So is a path:
  Tencent Cloud API 3.0 is posted to ``/``, and a path would be dropped or
  signed wrongly. Credential endpoints (STS, metadata) use the same function,
  with ``path=True`` where they need one.
- :func:`extra_headers` and :func:`header_value`: a caller's extra headers
  may not replace the signed ones or the framing and hop-by-hop ones, and
  every value is printable ASCII.
- ``SERVICE_NAME``, ``VERSION_NAME``, ``ACTION_NAME``: the names CommonClient
  and the local endpoint (``fake_checks``) accept; anchored at both ends.

A leaf of the runtime: it imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "SERVICE_NAME",
    "VERSION_NAME",
    "ACTION_NAME",
    "OWN_HEADERS",
    "FRAMING_HEADERS",
    "parse_endpoint",
    "endpoint_for",
    "host_suffix",
    "extra_headers",
    "header_value",
]

# \A and \Z (not ^ and $, which accept a trailing newline) so that both
# .match and .fullmatch check the whole text.
SERVICE_NAME = re.compile(r"\A[a-z][a-z0-9_-]{0,62}\Z")
VERSION_NAME = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
ACTION_NAME = re.compile(r"\A[A-Za-z][A-Za-z0-9_]{0,127}\Z")

# Headers the client sets itself and signs or relies on.
OWN_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "host",
        "x-tc-action",
        "x-tc-version",
        "x-tc-timestamp",
        "x-tc-region",
        "x-tc-token",
        "x-tc-language",
    }
)
# Headers that frame the message or concern one connection: a second
# framing next to httpx's own is the shape of request smuggling.
FRAMING_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)

_TOKEN = re.compile(r"\A[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
# Printable ASCII, spaces and tabs: no line break, NUL or other control byte.
_VALUE = re.compile(r"\A[\t\x20-\x7e]*\Z")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"\A{_LABEL}(?:\.{_LABEL})*\.?\Z")
_SUFFIX = re.compile(rf"\A{_LABEL}(?:\.{_LABEL})*\Z")
_IPV6 = re.compile(r"\A\[[0-9a-f:.]+\]\Z")
_PATH = re.compile(r"\A(?:/[A-Za-z0-9._~-]*)+\Z")
_SCHEMES = {"http": 80, "https": 443}


def parse_endpoint(
    url: str, *, what: str = "endpoint", path: bool = False
) -> tuple[str, str]:
    """The URL a request is posted to and its Host header, or ``ValueError``.

    ``url`` is ``http(s)://host[:port][/]``; a default port is dropped, as
    httpx drops it. With ``path`` (credential endpoints only) a plain path
    of letters, digits and ``._~-`` is kept; otherwise the URL ends in ``/``.
    ``what`` names the setting in the message.
    """
    if not isinstance(url, str):
        raise TypeError(f"{what} must be a str, not {type(url).__name__}")
    problem = _problem(url)
    if problem:
        raise ValueError(f"{what} {url!r} is refused: {problem}")
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"{what} must be an http:// or https:// URL, not {url!r}")
    authority, slash, tail = rest.partition("/")
    if tail and not (path and _PATH.match("/" + tail) and ".." not in tail):
        raise ValueError(
            f"{what} {url!r} is refused: it has a path (requests are posted to /)"
        )
    host, port = _host_and_port(authority.lower(), what, url)
    if port is None or port == _SCHEMES[scheme]:
        netloc = host
    else:
        netloc = f"{host}:{port}"
    return f"{scheme}://{netloc}/{tail if path else ''}", netloc


def endpoint_for(endpoint: str) -> tuple[str, str]:
    """A client's ``endpoint=`` (or TENCENTCLOUD_ENDPOINT): https:// when no scheme is given."""
    if isinstance(endpoint, str) and "://" not in endpoint:
        endpoint = f"https://{endpoint}"
    return parse_endpoint(endpoint)


def host_suffix(default_host: str, domain_suffix: str) -> tuple[str, str]:
    """``domain_suffix=``: trtc.tencentcloudapi.com with intl.tencentcloudapi.com
    becomes trtc.intl.tencentcloudapi.com. The suffix is a host name, nothing else."""
    if not isinstance(domain_suffix, str):
        raise TypeError("domain_suffix must be a str")
    suffix = domain_suffix.strip(".").lower()
    if not _SUFFIX.match(suffix):
        raise ValueError(f"domain_suffix {domain_suffix!r} is not a host name")
    return parse_endpoint(f"https://{default_host.split('.', 1)[0]}.{suffix}")


def _problem(url: str) -> str:
    """Why ``url`` cannot be an endpoint, judged by its characters alone."""
    if any(ord(c) > 0x7E for c in url):
        return "non-ASCII text (give a host name in its xn-- form)"
    if any(ord(c) <= 0x20 for c in url):
        return "whitespace or a control character"
    if "\\" in url:
        return "a backslash"
    if "@" in url:
        return "user info (name:password@): credentials go in the signature"
    if "?" in url:
        return "a query"
    if "#" in url:
        return "a fragment"
    return ""


def _host_and_port(authority: str, what: str, url: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        host, bracket, after = authority.partition("]")
        host += bracket
        port_text = after[1:] if after.startswith(":") else None
        if not bracket or (after and port_text is None):
            raise ValueError(f"{what} {url!r} is refused: a bad IPv6 address")
        if not _IPV6.match(host) or not _ipv6(host[1:-1]):
            raise ValueError(f"{what} {url!r} is refused: a bad IPv6 address")
    else:
        host, colon, port_text_or_empty = authority.partition(":")
        port_text = port_text_or_empty if colon else None
        if not host:
            raise ValueError(f"{what} {url!r} is refused: no host")
        if not _HOST_NAME.match(host):
            raise ValueError(f"{what} {url!r} is refused: not a host name")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{what} {url!r} is refused: a bad port")
    return host, int(port_text)


def _ipv6(text: str) -> bool:
    import ipaddress  # only a bracketed address needs it

    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def header_value(what: str, value: str) -> str:
    """``value`` if it can be sent in a header (printable ASCII), else ``ValueError``."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not _VALUE.match(value):
        raise ValueError(
            f"{what} {value!r} cannot be sent in a header: "
            "only printable ASCII, no line break or control character"
        )
    return value


def extra_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A caller's extra headers, checked, in a fixed order.

    Refused: the headers the client signs or sets, the framing and
    hop-by-hop ones (including any ``Proxy-*``), names that are not HTTP
    tokens and values that are not printable ASCII.
    """
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("extra headers must map str to str")
        if not _TOKEN.match(name):
            raise ValueError(f"not a valid HTTP header name: {name!r}")
        lower = name.lower()
        if lower in OWN_HEADERS:
            raise ValueError(f"header {name!r} is set by the client itself")
        if lower in FRAMING_HEADERS or lower.startswith("proxy-"):
            raise ValueError(
                f"header {name!r} frames the request or concerns the connection;"
                " httpx sets it"
            )
        header_value(f"header {name!r}", value)
    return tuple(sorted(headers.items()))
