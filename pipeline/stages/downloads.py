"""Downloads of episode audio as the podcast industry counts them (IAB Podcast Measurement
Technical Guidelines v2.2): the pure parts. A request for an episode's MP3 (a log line of
deploy/nginx.conf's ``newsaudio`` format, or what ``newsaudio serve`` sees) becomes a ``Hit``;
its User-Agent is named with the OPAWG lists (bots are not counted); a client is its IP address
(IPv6 cut to /64) and User-Agent, turned into a keyed hash with a salt of the day, so neither is
ever stored. Adding up a client's bytes per episode and day, and deciding what counts, is
pipeline/run/downloads.py's with the store."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

OPAWG = Path(__file__).with_name("data") / "opawg"
# The OPAWG lists (file name: the kind an entry of it is), in the order the OPAWG README
# prescribes: the first entry that matches wins.
KINDS = {"bots": "bot", "apps": "app", "libraries": "library", "browsers": "browser"}
# An episode's audio: its MP3 or the low-bandwidth Opus version of it.
EPISODE_AUDIO = re.compile(r"^/audio/([0-9A-Za-z_-]+-v\d+\.(?:mp3|opus))$")

# deploy/nginx.conf's log_format newsaudio: tab-separated, request line and strings quoted:
#   $msec $remote_addr "$request_method $uri" $status $body_bytes_sent "$http_range" "$http_user_agent"
_LINE = re.compile(r'^(?P<t>\d+(?:\.\d+)?)\t(?P<ip>[^\t]+)\t"(?P<method>[A-Z]+) (?P<path>[^"\t]*)"\t(?P<status>\d{3})\t'
                   r'(?P<bytes>\d+)\t"(?P<range>[^"\t]*)"\t"(?P<ua>[^"\t]*)"$')


@dataclass(frozen=True)
class Hit:
    """One request for episode audio, as served."""

    at: datetime
    ip: str
    method: str
    file_name: str
    status: int
    bytes: int
    user_agent: str

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Agent:
    name: str
    kind: str  # bot | app | library | browser | unknown

    @property
    def counted(self) -> bool:
        return self.kind != "bot"


def parse_line(line: str) -> Hit | None:
    """A ``newsaudio`` log line for an episode's MP3, or None for anything else (other files,
    other formats, garbage)."""
    m = _LINE.match(line.rstrip("\r\n"))
    if not m:
        return None
    audio = EPISODE_AUDIO.match(m["path"].split("?")[0])
    if not audio:
        return None
    return Hit(at=datetime.fromtimestamp(float(m["t"]), tz=UTC), ip=m["ip"], method=m["method"],
               file_name=audio.group(1), status=int(m["status"]), bytes=int(m["bytes"]),
               user_agent=_unescape(m["ua"]))


def _unescape(value: str) -> str:
    # nginx writes bytes outside printable ASCII (and ") as \xHH in log lines.
    return re.sub(r"\\x([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def counts_as_audio(hit: Hit) -> bool:
    """Only bytes of audio sent count: GET answered 200 or 206 (not HEAD, not 304 or errors)."""
    return hit.method == "GET" and hit.status in (200, 206) and hit.bytes > 0


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    found = []
    for list_name, kind in KINDS.items():
        data = json.loads((OPAWG / f"{list_name}.json").read_text(encoding="utf-8"))
        for entry in data["entries"]:
            found.append((kind, entry["name"], re.compile(entry["pattern"])))
    return tuple(found)


@lru_cache(maxsize=4096)
def agent(user_agent: str) -> Agent:
    """Who is asking, by the OPAWG lists: bots first, then apps, libraries, browsers."""
    text = user_agent.replace("\n", "").replace("\r", "")
    for kind, name, pattern in _patterns():
        if pattern.search(text):
            return Agent(name, kind)
    return Agent("unknown", "unknown")


def client_network(ip: str) -> str:
    """The address a client is known by: an IPv4 address whole, an IPv6 address's /64 (phones
    change the rest of it at will)."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{addr}/64", strict=False).network_address) + "/64"
    return str(addr)


def client_key(salt: bytes, ip: str, user_agent: str) -> str:
    """A client of one day (IP network and User-Agent), keyed with that day's salt: the same
    client gives the same key all day, and once the salt is deleted nobody can tell who it was."""
    message = f"{client_network(ip)}\x00{user_agent}".encode("utf-8", "replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def line_key(line: str) -> str:
    """A log line's fingerprint: the same line ingested twice counts once."""
    return hashlib.sha256(line.rstrip("\r\n").encode("utf-8", "replace")).hexdigest()[:32]
