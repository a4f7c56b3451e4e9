"""SSRF guard for outgoing webhooks: only https to public addresses (outside development).

Checked when an endpoint is saved and again right before every send (DNS may change in between): the host is
resolved and *every* address must be public, so a name that also resolves to 10.x or 127.x is refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The URL is malformed or points somewhere notify must not call."""


def address_allowed(raw: str) -> bool:
    ip = ipaddress.ip_address(raw.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global excludes private, loopback, link-local, shared (CGNAT), reserved and documentation ranges.
    return ip.is_global and not ip.is_multicast


# One DNS label (RFC 1123): letters, digits and inner hyphens, at most 63.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def _valid_host(host: str) -> bool:
    """An IP literal, or a DNS name of valid labels (internationalised names in their IDNA form). A name whose
    last label is numeric is none of these: URL parsers and resolvers read ``127.1`` as an IPv4 address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        name = host.removesuffix(".").encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = name.split(".")
    return len(name) <= 253 and all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def check_url(url: str, *, allow_private: bool) -> tuple[str, int]:
    """Syntax and scheme check; returns (host, port). No DNS (see :func:`check_target`)."""
    # urlsplit keeps spaces and control characters (in the host too); HTTP clients would quote or choke on them.
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeTarget("the URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget("not a valid URL") from exc
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UnsafeTarget(
            "the URL must use https" if not allow_private else "the URL must use https or http"
        )
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeTarget("credentials in the URL are not allowed")
    host = parts.hostname
    if not _valid_host(host):
        raise UnsafeTarget(f"{host!r} is not a valid host name")
    if port == 0:
        raise UnsafeTarget("the URL's port must be between 1 and 65535")
    if not allow_private:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and not address_allowed(str(literal)):
            raise UnsafeTarget("the URL points to a private or reserved address")
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise UnsafeTarget("the URL points to a private or reserved address")
    return host, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, *, allow_private: bool) -> None:
    """:func:`check_url`, then resolve the host and require every address to be public."""
    host, port = check_url(url, allow_private=allow_private)
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeTarget("the host does not resolve") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise UnsafeTarget("the URL points to a private or reserved address")
