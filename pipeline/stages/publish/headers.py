"""The Content-Type and Cache-Control of each published file, by its path under output/: one
table that `newsaudio serve` (web/files/http.py) answers with and the object-storage publisher
stores on each object, so a CDN in front of a bucket sends what our own server sends."""

from __future__ import annotations

import os
import re

# Text types always carry a charset: without one, browsers and apps guess (and garble umlauts).
TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    # The low-bandwidth version (pipeline/stages/opus.py): Ogg Opus, named so players pick it.
    ".opus": "audio/ogg; codecs=opus",
    ".xml": "application/rss+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
# Podcasting 2.0 chapters files are named <audio stem>.chapters.json and declared with this type.
CHAPTERS_SUFFIX = ".chapters.json"
CHAPTERS_TYPE = "application/json+chapters; charset=utf-8"
DEFAULT_TYPE = "application/octet-stream"

# A versioned episode file never changes: a new version gets a new name (<episode>-v<N>.mp3,
# and its Opus version <episode>-v<N>.opus).
IMMUTABLE = re.compile(r"-v[0-9]+\.(?:mp3|opus)$")
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
# Feeds, indexes, per-article data, transcripts: apps see a change within a minute.
CACHE_REVALIDATE = "public, max-age=60, must-revalidate"


def content_type(rel: str) -> str:
    if rel.endswith(CHAPTERS_SUFFIX):
        return CHAPTERS_TYPE
    return TYPES.get(os.path.splitext(rel)[1].lower(), DEFAULT_TYPE)


def cache_control(rel: str) -> str:
    return CACHE_IMMUTABLE if IMMUTABLE.search(rel) else CACHE_REVALIDATE
