"""Deterministic identifiers: the same article or event always gets the same id."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, not a page.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref", "cmpid"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Already canonical: lower-case http(s) scheme and host; no port, user, query or fragment; a path of
# characters that URL parsing keeps as they are. Most submitted URLs look like this.
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, default port, fragment and tracking parameters removed, query sorted."""
    url = url.strip()
    if _PLAIN_URL.fullmatch(url):
        # Parsing and re-assembling would give the same URL (plus "/" for an empty path), at
        # several times the cost of hashing it.
        return url if url.count("/") > 2 else url + "/"
    return _canonical_url_parsed(url)


def _canonical_url_parsed(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def normalise_text(text: str) -> str:
    """Unicode-normalised, case-folded text with whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def article_id(*, url: str | None, text: str) -> str:
    """The article's id: from its canonical URL when it has one, else from its normalised text."""
    if url:
        return "a_" + _digest("url", canonical_url(url))
    return "a_" + _digest("text", normalise_text(text))


def event_id(*, article_id: str, event_type: str, start: int, end: int) -> str:
    """The event's id: article id + type + the evidence offsets."""
    return "e_" + _digest(article_id, event_type, str(start), str(end))
