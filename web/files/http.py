"""The HTTP rules newsaudio's static files follow, as plain functions (the same rules deploy/nginx.conf
encodes): which request paths are allowed, the content type, cache policy and CORS of a path,
validators, conditional requests and byte ranges."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from pipeline.stages.publish.headers import (  # noqa: F401
    CACHE_IMMUTABLE,
    CACHE_REVALIDATE,
    CHAPTERS_SUFFIX,
    CHAPTERS_TYPE,
    DEFAULT_TYPE,
    IMMUTABLE,
    TYPES,
    cache_control,
    content_type,
)

# The type and cache table is shared with the object-storage publisher (a CDN in front of a
# bucket must send what this server sends); re-exported for the server's callers.
from pipeline.stages.publish.names import GONE_DIR

# What a website's script or a web player reads: transcripts, chapters, player indexes, per-article
# data (and the feeds, for web podcast players).
CORS_SUFFIXES = (".json", ".vtt", ".txt", ".xml")
CORS_PREFIXES = ("articles/",)
CORS_ALLOW_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range"
CORS_EXPOSE_HEADERS = "Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified"

TOMBSTONES = GONE_DIR


def safe_relative_path(raw_path: bytes) -> str | None:
    """The request path as a path relative to the output folder, or None when it may not be served.

    Refused: anything that could leave the folder or name a folder (``..`` and ``.`` segments in
    any encoding, encoded ``/`` or ``\\``, backslashes, NUL, empty segments such as ``//`` or a
    trailing ``/``) and hidden names (dot files: the tombstones in ``.gone/``, temp files being
    written). Works on the raw bytes, before any server normalisation could hide an encoded ``/``.
    """
    if not raw_path.startswith(b"/"):
        return None
    low = raw_path.lower()
    if any(bad in low for bad in (b"%2f", b"%5c", b"%00", b"\\", b"\x00")):
        return None
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\\" in path or "\x00" in path:
        return None
    parts = path[1:].split("/")
    if any(not p or p.startswith(".") for p in parts):
        return None
    return "/".join(parts)


def wants_cors(rel: str) -> bool:
    return rel.endswith(CORS_SUFFIXES) or rel.startswith(CORS_PREFIXES)


def parse_origins(setting: str) -> tuple[str, ...]:
    """``cors_origins`` is ``*`` or origins separated by commas or spaces."""
    return tuple(o.rstrip("/") for o in re.split(r"[,\s]+", setting.strip()) if o)


def cors_headers(origins: tuple[str, ...], request_origin: str | None) -> dict[str, str]:
    if "*" in origins:
        return {"access-control-allow-origin": "*", "access-control-expose-headers": CORS_EXPOSE_HEADERS}
    # A list of origins: echo the one that asked, and tell caches the answer depends on it.
    headers = {"vary": "Origin"}
    if request_origin and request_origin in origins:
        headers["access-control-allow-origin"] = request_origin
        headers["access-control-expose-headers"] = CORS_EXPOSE_HEADERS
    return headers


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: str
    mtime: int  # whole seconds, as Last-Modified has them


def validators(st: os.stat_result) -> Validators:
    # Strong: files are replaced by rename, so a different content has a new mtime or size.
    etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
    return Validators(etag, formatdate(st.st_mtime, usegmt=True), int(st.st_mtime))


def _http_date(value: str) -> int | None:
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def not_modified(v: Validators, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == v.etag for t in tags)
    if if_modified_since is not None:
        since = _http_date(if_modified_since)
        return since is not None and v.mtime <= since
    return False


def if_range_allows(v: Validators, if_range: str | None) -> bool:
    """If-Range: the range applies only while the representation is unchanged (strong match)."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith('"'):
        return value == v.etag
    if value.startswith("W/"):
        return False
    since = _http_date(value)
    return since is not None and since == v.mtime


class Unsatisfiable(Exception):
    pass


_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single range [start, end) a Range header asks for, None to send the whole file.

    Several ranges answer the whole file (allowed by RFC 9110 14.2; spares a multipart body),
    a header that does not parse is ignored, as the RFC says. Raises Unsatisfiable (416).
    """
    if header is None:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in specs:
        return None
    m = _SPEC.match(specs)
    if not m or (not m[1] and not m[2]):
        return None
    if not m[1]:  # suffix: the last N bytes
        n = int(m[2])
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size
    start = int(m[1])
    if m[2] and int(m[2]) < start:  # "500-100" is not a range: ignored
        return None
    if start >= size:
        raise Unsatisfiable
    end = int(m[2]) + 1 if m[2] else size
    return start, min(end, size)
