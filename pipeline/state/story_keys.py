"""The keys a story is known by: its links as the story they name (no fragment, no tracking
parameters) and the GUID it was announced with, hashed to fixed-size keys."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say where a reader came from, not which story it is.
TRACKING = ("utm_", "wt_", "at_", "mc_", "pk_", "itm_")


TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "igshid", "yclid", "ref", "ref_src", "cmpid", "xtor",
                  "ns_campaign", "ns_mchannel", "ns_source", "ns_linkname", "ns_fee", "r", "rss"}


def story_url(url: str) -> str:
    """A link as the story it names: lowercase scheme and host, no default port, no fragment, no
    tracking parameters, no trailing slash on the path."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    host = parts.netloc.lower()
    if (parts.scheme.lower(), host.rpartition(":")[2]) in (("http", "80"), ("https", "443")):
        host = host.rpartition(":")[0]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING) and k.lower() not in TRACKING_NAMES]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def url_key(url: str) -> str:
    return _key("url", story_url(url))


def guid_key(guid: str) -> str:
    return _key("guid", guid)
