"""Whether an IP address is internal: loopback, private, link-local, reserved, or one of those hidden in IPv6.

An IPv6 address can carry an IPv4 address inside it (IPv4-mapped
``::ffff:a.b.c.d``, 6to4 ``2002:aabb:ccdd::``, Teredo ``2001:0::``, NAT64
``64:ff9b::a.b.c.d``, IPv4-compatible ``::a.b.c.d``). A router or the local
stack may deliver such an address to the IPv4 host it names, so the embedded
address is judged too: the address is internal when either part is.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 6052 well-known NAT64 prefix and RFC 8215 local-use prefix: the last 32 bits are an IPv4 address.
WELL_KNOWN_NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_PREFIXES = (WELL_KNOWN_NAT64, ipaddress.ip_network("64:ff9b:1::/48"))
# IPv4-compatible (deprecated) and IPv4-translated (RFC 2765) forms.
EMBEDDING_PREFIXES = (ipaddress.ip_network("::/96"), ipaddress.ip_network("::ffff:0:0:0/96"))


def parse_address(address: str) -> IPAddress:
    """The :mod:`ipaddress` object of ``address``; an IPv6 zone (``fe80::1%eth0``) is dropped.

    Raises :class:`ValueError` for anything that is not an IP address.
    """
    return ipaddress.ip_address(str(address).split("%", 1)[0].strip("[]"))


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible); empty for IPv4."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client); ipaddress already undoes the client's obfuscation
    if any(ip in net for net in NAT64_PREFIXES + EMBEDDING_PREFIXES):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _not_public(ip: IPAddress) -> bool:
    if (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified):
        return True
    return isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local


def is_internal(address: str | IPAddress) -> bool:
    """Whether an outbound request to ``address`` could reach something that is not the public internet.

    True for loopback, private (RFC 1918, unique local), shared (100.64/10),
    link-local (including the 169.254.169.254 metadata service), multicast,
    reserved and unspecified addresses, and for IPv6 addresses that embed
    such an IPv4 address. Anything that is not an IP address counts as
    internal, so a caller can never be talked into a connection by bad input.
    """
    try:
        ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else parse_address(address)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped is not None or ip in WELL_KNOWN_NAT64):
        # These prefixes only say "the IPv4 address inside": judge that address alone.
        return _not_public(embedded_ipv4(ip)[0])
    return _not_public(ip) or any(_not_public(inner) for inner in embedded_ipv4(ip))


def in_networks(address: str | IPAddress, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether ``address`` lies in one of ``networks`` (IPv4-mapped IPv6 addresses are compared as IPv4)."""
    try:
        ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else parse_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)
