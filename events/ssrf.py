"""Where a webhook may POST (docs/webhooks.md "Addresses"): checked when the URL is saved and again at every send.

With DEBUG off only `https` URLs whose host resolves only to public addresses are accepted: loopback, private,
link-local, reserved, multicast and unspecified addresses are refused, IPv4-mapped IPv6 forms included.
`WEBHOOK_ALLOW_LOOPBACK` (default: DEBUG) also lets `http` and loopback addresses through (local development,
the tests' receiver). The sender connects to the address checked here, never resolving the name again, so a
DNS answer that changes between the check and the connection (rebinding) cannot move it.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeUrl(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as in the URL (the TLS name and the Host header)
    port: int
    address: str  # the checked IP to connect to
    path: str  # path and query

    @property
    def host_header(self):
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _refused(ip):
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6 and ip.sixtofour is not None:
        ip = ip.sixtofour
    reasons = [
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not public", not ip.is_global),
    ]
    return next((name for name, hit in reasons if hit), None), ip


def allow_loopback():
    return getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", settings.DEBUG)


def check(url):
    """The Target to connect to for `url`, or UnsafeUrl saying why not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"{url} is not a valid URL: {exc}") from None
    loopback_ok = allow_loopback()
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not loopback_ok):
        raise UnsafeUrl(f"{url} is refused: a webhook URL must start with https://")
    host = parts.hostname
    if not host:
        raise UnsafeUrl(f"{url} is refused: it has no host")
    if parts.username or parts.password:
        raise UnsafeUrl(f"{url} is refused: credentials in the URL are not allowed (use the signature)")
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"{url} is refused: its host {host} does not resolve ({exc})") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        reason, plain = _refused(ip)
        if reason and not (loopback_ok and plain.is_loopback):
            shown = f"{ip} (= {plain})" if plain != ip else str(ip)
            raise UnsafeUrl(f"{url} is refused: its host {host} resolves to {shown}, a {reason} address")
        if scheme == "http" and not plain.is_loopback:
            raise UnsafeUrl(f"{url} is refused: a webhook URL must start with https://")
        addresses.append(str(ip))
    if not addresses:
        raise UnsafeUrl(f"{url} is refused: its host {host} does not resolve")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port, addresses[0], path)
