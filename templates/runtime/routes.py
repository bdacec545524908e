"""Where a request goes, for the built-in transports (``sync_http`` and
``aio_http``): the route to an URL's origin (directly, forwarded by an
http:// proxy, or tunnelled through it with CONNECT), the proxy chosen for
it (``proxy=``, else the environment's ``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY`` and ``NO_PROXY``, read as ``urllib.request`` reads them), the
TLS context (certifi's bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``, one
per process; ``verify=False`` or an ``ssl.SSLContext`` as given), the
pools' limits (httpx's), and :class:`Routing`, which keeps them for one
transport.

Layer 0: the standard library only (certifi, installed with httpx, is read
at the first verified https connection).
"""

from __future__ import annotations

import base64
import os
import ssl
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from .transport import Failure

__all__ = [
    "MAX_CONNECTIONS",
    "MAX_IDLE",
    "IDLE_EXPIRY",
    "Route",
    "Routing",
    "default_context",
    "environment_proxies",
    "proxy_for",
    "tls_context",
    "unverified",
]

MAX_CONNECTIONS = 100
MAX_IDLE = 20
IDLE_EXPIRY = 5.0
_contexts: dict[tuple[str, str], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def default_context() -> ssl.SSLContext:
    """The process's verifying TLS context (certifi, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``)."""
    key = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            if key[0] or key[1]:
                context = ssl.create_default_context(
                    cafile=key[0] or None, capath=key[1] or None
                )
            else:
                import certifi  # installed with httpx

                context = ssl.create_default_context(cafile=certifi.where())
            _contexts[key] = context
    return context


def unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def proxy_for(url: str, proxy: str | None, environ: dict[str, str] | None) -> str:
    """The proxy for ``url`` ("" for none): ``proxy`` when given, else the environment's."""
    if proxy is not None:
        return proxy
    if not environ:
        return ""
    from urllib import request

    # Not in typeshed's stubs: looked up by name.
    bypass: Any = getattr(request, "proxy_bypass_environment")  # noqa: B009
    parts = urlsplit(url)
    found = environ.get(parts.scheme) or environ.get("all") or ""
    if found and bypass(parts.netloc, environ):
        return ""
    return found


def environment_proxies() -> dict[str, str] | None:
    """The environment's proxy settings (None when no ``*_proxy`` variable is set)."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    from urllib.request import getproxies_environment

    return getproxies_environment()


class Route:
    """How to reach one URL's origin: directly, through a proxy, or tunnelled."""

    __slots__ = ("key", "scheme", "host", "port", "proxy", "auth", "target")

    def __init__(self, url: str, proxy: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        path = parts.path or "/"
        self.target = f"{path}?{parts.query}" if parts.query else path
        self.proxy: tuple[str, int] | None = None
        self.auth: dict[str, str] = {}
        if proxy:
            through = urlsplit(proxy)
            if through.scheme.lower() != "http" or not through.hostname:
                raise ValueError(
                    "the standard library transport needs an http:// proxy"
                )
            try:
                port = through.port
            except ValueError:  # its text may hold part of the password
                raise ValueError("the proxy URL's port could not be read") from None
            self.proxy = (through.hostname, port or 80)
            if through.username is not None:
                user = f"{unquote(through.username)}:{unquote(through.password or '')}"
                token = base64.b64encode(user.encode()).decode("ascii")
                self.auth = {"Proxy-Authorization": f"Basic {token}"}
            if self.scheme == "http":  # forwarded: the proxy gets the whole URL
                self.target = f"http://{parts.netloc}{self.target}"
        self.key = (self.scheme, self.host, self.port, self.proxy)

    @property
    def authority(self) -> str:
        """``host:port`` as CONNECT names it (an IPv6 address in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def headers(self) -> dict[str, str]:
        """Headers a forwarding proxy reads (none when tunnelled or direct)."""
        return self.auth if self.scheme == "http" else {}


def tls_context(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """The context for ``verify=``; certificates that cannot be loaded are an unsent ConnectError."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        return unverified()
    try:
        return default_context()
    except OSError as exc:  # SSL_CERT_FILE/DIR missing or unreadable
        message = f"the TLS certificates could not be loaded: {exc}"
        raise Failure("ConnectError", message, sent=False) from None


class Routing:
    """What a built-in transport keeps to send anywhere: the proxy it was
    given (else the environment's, read once), the routes of the URLs it
    sends to (a few, kept), and its TLS context (made at the first https
    connection)."""

    __slots__ = ("_proxy", "_verify", "_environ", "_routes", "_context")

    def __init__(self, proxy: str | None, verify: bool | ssl.SSLContext) -> None:
        self._proxy = proxy
        self._verify = verify
        self._environ = None if proxy is not None else environment_proxies()
        self._routes: dict[str, Route] = {}
        self._context: ssl.SSLContext | None = None

    def proxy_for(self, url: str) -> str:
        return proxy_for(url, self._proxy, self._environ)

    def route(self, url: str) -> Route:
        """The route to ``url``; one that cannot be taken is an unsent ConnectError."""
        route = self._routes.get(url)
        if route is None:
            if len(self._routes) > 16:
                self._routes.clear()
            try:
                route = Route(url, self.proxy_for(url))
            except ValueError as exc:
                raise Failure("ConnectError", str(exc), sent=False) from None
            self._routes[url] = route
        return route

    def tls(self, route: Route) -> ssl.SSLContext | None:
        """The TLS context for the route (None for plain HTTP)."""
        if route.scheme != "https":
            return None
        context = self._context
        if context is None:
            context = self._context = tls_context(self._verify)
        return context
