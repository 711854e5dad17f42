"""Links from upstream: those an item gives as its own, and those inside its texts.

An item's own links (its page: the JSON `url`, "Source page:", the SMS link; its attachments) are what a subscriber
follows without reading them, so they must be https on the hosts of the source that published the item (`own_link`).
A link inside an upstream text (a minister's answer may rightly link to nhs.uk) is shown beside its words with its
real target (`shown_link`): nothing before the host that could pass for it (userinfo), and a non-ASCII host in its
ASCII form, so that a look-alike (`www.gov.\u0443k`, a Cyrillic u) reads as the `xn--` name it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ASCII_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
"""A DNS name of letters, digits and hyphens: no backslash, percent, space or trailing dot a browser reads otherwise."""
_DEFAULT_PORTS = {"http": 80, "https": 443}
_KEPT = "!#$&'()*+,/:;=?@[]~%"
"""Characters left as they are when encoding a path or query (`quote` keeps letters, digits and `_.-~` anyway); `%`
is kept so that a link already encoded is not encoded twice."""
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNENCODED = re.compile(r"[^A-Za-z0-9_.\-~!#$&'()*+,/:;=?@\[\]%]")


class LinkRefused(ValueError):
    """A link that an item may not give as its own; the message says why."""


@dataclass(frozen=True)
class OwnHosts:
    """The hosts a source publishes on: exact names, and domains every subdomain of which is the source's too."""

    names: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def of(cls, *patterns: str) -> OwnHosts:
        """`"www.gov.uk"` is that host only; `"*.parliament.uk"` is any host under parliament.uk."""
        return cls(
            names=frozenset(p for p in patterns if not p.startswith("*.")),
            domains=frozenset(p.removeprefix("*.") for p in patterns if p.startswith("*.")),
        )

    def __contains__(self, host: object) -> bool:
        # A suffix match needs its dot: www.gov.uk.evil.example and evilparliament.uk are not ours.
        return isinstance(host, str) and (
            host in self.names or any(host.endswith(f".{domain}") for domain in self.domains)
        )


GOVUK_HOSTS = OwnHosts.of("www.gov.uk", "gov.uk", "assets.publishing.service.gov.uk")
"""GOV.UK's pages and its asset host (attachments), and nothing else under gov.uk: ons.gov.uk is another publisher."""
PARLIAMENT_HOSTS = OwnHosts.of("parliament.uk", "*.parliament.uk")
"""Parliament's pages, APIs and file hosts (questions-statements, qna.files, data, depositedpapers, whatson, …)."""


def own_link(url: str | None, hosts: OwnHosts) -> str:
    """`url` as an item's own link: https, on one of `hosts`, ASCII host, no userinfo, no port but the default one;
    path, query and fragment percent-encoded where they hold raw spaces or other characters a URL may not.

    `http://` on one of the hosts is upgraded to https rather than refused: every own host serves https (gov.uk and
    parliament.uk are on browsers' HSTS preload list, so a browser would upgrade it anyway), and older Parliament
    records do link their files over http. Raises LinkRefused with the reason otherwise.
    """
    parts = _split(url)
    if "@" in parts.netloc:
        raise LinkRefused(f"userinfo before the host: {parts.netloc!r}")
    host = _ascii_host(parts)
    if host.startswith("xn--") or ".xn--" in host:
        raise LinkRefused(f"internationalised (punycode) host {host!r}: a look-alike of the source's hosts")
    if host not in hosts:
        raise LinkRefused(f"host {host!r} is not one of the source's hosts")
    port = _port(parts)
    if port is not None and port != _DEFAULT_PORTS[parts.scheme.lower()]:
        raise LinkRefused(f"port {port} on {host!r}")
    return urlunsplit(("https", host, *_encoded(parts)))


def shown_link(url: str | None) -> str | None:
    """A link inside an upstream text as it is shown beside its words: its real target, or None when it has none
    worth showing (not an absolute http(s) URL, or a garbled host).

    Userinfo is removed, so `https://www.gov.uk@evil.example/x` shows as `https://evil.example/x` (where it really
    goes); a non-ASCII host is shown in its ASCII (`xn--`) form; raw spaces and other characters are percent-encoded.
    """
    try:
        parts = _split(url)
        host = _ascii_host(parts)
        port = _port(parts)
    except LinkRefused:
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[parts.scheme.lower()] else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, *_encoded(parts)))


def https_link(url: str) -> str:
    """The model's last check of an item's own link (whatever a source did): https, an ASCII host, no userinfo,
    nothing left unencoded. Raises ValueError otherwise."""
    if not url.startswith("https://") or _UNENCODED.search(url):
        raise ValueError("not an https URL of printable ASCII")
    parts = _split(url)
    if "@" in parts.netloc:
        raise ValueError("userinfo before the host")
    _ascii_host(parts)
    _port(parts)
    return url


def _split(url: str | None) -> SplitResult:
    candidate = (url or "").strip()
    try:
        parts = urlsplit(candidate)
    except ValueError as error:
        raise LinkRefused(f"not a URL: {error}") from error
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        raise LinkRefused(f"not an absolute http(s) URL: {candidate[:80]!r}")
    if "\\" in parts.netloc:  # a browser reads a backslash as "/", urllib as part of the host: no one target
        raise LinkRefused(f"backslash in the host part: {parts.netloc!r}")
    return parts


def _ascii_host(parts: SplitResult) -> str:
    """The host in ASCII: a non-ASCII (internationalised) host in its punycode form, which shows it for what it is."""
    host = parts.hostname or ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise LinkRefused(f"host {host!r} is not a valid internationalised name") from error
    if not _ASCII_HOST.fullmatch(host):
        raise LinkRefused(f"host {host!r} is not a DNS name")
    return host


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError as error:
        raise LinkRefused(f"not a port: {error}") from error


def _encoded(parts: SplitResult) -> tuple[str, str, str]:
    """Path, query and fragment with what a URL may not hold raw percent-encoded, and what is encoded left so."""
    return _encode(parts.path), _encode(parts.query), _encode(parts.fragment)


def _encode(piece: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", piece), safe=_KEPT)
