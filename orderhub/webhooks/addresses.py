"""Where the hub may post: the URL and address check against server-side request forgery.

A subscription makes the hub send requests to a URL of the subscriber's choosing. Left
unchecked, a token holder could point it at the hub's own network (a database's HTTP port, a
cloud metadata service at 169.254.169.254, an admin interface on localhost) and read the
answers in the delivery log. So a URL must be http or https, and every address its host
resolves to must be public: loopback, private, link-local, multicast, reserved, unspecified and
shared (carrier-grade NAT, 100.64.0.0/10) addresses are refused, also when written as IPv6
(IPv4-mapped, 6to4, Teredo) or in numeric disguise (``2130706433`` resolves to 127.0.0.1, so
the check is made on what the name resolves to, not on how it is written).

The check runs when a URL is subscribed and again before every attempt (DNS answers change),
and the sender connects to the very address that passed (``Target.addresses``), never to a
second resolution of the name, so that a rebinding DNS server cannot slip an internal address
in between. ``ORDERHUB_WEBHOOKS_ALLOW_PRIVATE=1`` lifts the address rule (a test bench, a
receiver inside the same private network); the scheme rule and the pinning stay.
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from orderhub.core.errors import ValidationFailed

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(ValidationFailed):
    """The URL may not be subscribed or called; ``message`` says why (a 400 on ``url``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extra={"errors": {"url": [message]}})


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, all of them allowed) and what to ask."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def private_allowed() -> bool:
    return bool(getattr(settings, "ORDERHUB_WEBHOOKS_ALLOW_PRIVATE", False))


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to for TCP, in the resolver's order, without repeats.
    (A function of its own so that tests can stand in for DNS.)"""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_target(url: str) -> Target:
    """Parse, resolve and check ``url``; raises :class:`UrlRefused` with a message for people."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as problem:
        raise UrlRefused(_("This is not a valid URL: %(problem)s.") % {"problem": problem}
                         ) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UrlRefused(_("Only http and https URLs can be subscribed, not “%(scheme)s”.")
                         % {"scheme": scheme or url})
    host = parts.hostname or ""
    if not host:
        raise UrlRefused(_("The URL names no host."))
    if parts.username is not None or parts.password is not None:
        raise UrlRefused(_("Put no user name or password in the URL: receivers check the "
                           "X-Hub-Signature header instead."))
    port = port or DEFAULT_PORTS[scheme]
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as problem:
        raise UrlRefused(_("The host %(host)s cannot be resolved (%(problem)s).")
                         % {"host": host, "problem": problem}) from None
    if not addresses:
        raise UrlRefused(_("The host %(host)s has no address.") % {"host": host})
    if not private_allowed():
        for address in addresses:
            kind = address_kind(address)
            if kind:
                raise UrlRefused(_(
                    "The host %(host)s resolves to %(address)s, %(kind)s. The hub calls only "
                    "public addresses, so that a subscription cannot make it call internal "
                    "services."
                ) % {"host": host, "address": address, "kind": kind})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def address_kind(address: str) -> str | None:
    """Why ``address`` may not be called (e.g. "a loopback address"), or ``None`` if public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id says nothing here
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that reach an IPv4 address: judged by that address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            kind = _ip_kind(embedded)
            if kind:
                return kind
    return _ip_kind(ip)


def _ip_kind(ip: IPAddress) -> str | None:
    checks = (
        (ip.is_unspecified, _("an unspecified address")),
        (ip.is_loopback, _("a loopback address")),
        (ip.is_link_local, _("a link-local address")),
        (ip.is_multicast, _("a multicast address")),
        (isinstance(ip, ipaddress.IPv4Address) and ip in SHARED_ADDRESS_SPACE,
         _("a shared (carrier-grade NAT) address")),
        (ip.is_reserved, _("a reserved address")),
        (ip.is_private, _("a private address")),
        (not ip.is_global, _("not a public address")),
    )
    return next((kind for refused, kind in checks if refused), None)
