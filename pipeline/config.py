"""Settings in one place: ``newsaudio.toml`` plus ``NEWSAUDIO_*`` environment overrides.

Lookup order for the file: an explicit path, then ``$NEWSAUDIO_CONFIG``, then ``./newsaudio.toml``.
Every scalar setting can be overridden by the environment: ``NEWSAUDIO_<NAME>`` for top-level
settings (``NEWSAUDIO_DATABASE_URL``), ``NEWSAUDIO_CHANNEL_<NAME>`` for the podcast channel.
Relative paths are taken relative to the config file's folder.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_type_hints

ENV_PREFIX = "NEWSAUDIO_"


class ConfigError(Exception):
    pass


@dataclass
class FeedConfig:
    name: str
    url: str
    title: str = ""


@dataclass
class Channel:
    """Podcast channel metadata, as podcast apps show it."""

    title: str = "newsaudio"
    description: str = "Nachrichten zum Hören"
    link: str = "http://localhost:8000/"
    author: str = "newsaudio"
    image: str = ""
    category: str = "News"
    language: str = "de"


@dataclass
class Settings:
    feeds: list[FeedConfig] = field(default_factory=list)
    channel: Channel = field(default_factory=Channel)
    # Where podcast apps and the website reach output/: enclosure URLs are built from it.
    public_base_url: str = "http://localhost:8000"
    output_dir: Path = Path("output")
    data_dir: Path = Path("data")
    # Empty means a SQLite file in data_dir.
    database_url: str = ""
    broker_url: str = "redis://127.0.0.1:6379/0"
    poll_minutes: float = 15.0
    # A known article is fetched again (conditionally: an unchanged page costs one 304) when its
    # feed entry changes, and at these ages after it was first seen; then never. "" = never.
    revisit_after: str = "10m 30m 2h 6h 24h"
    # fetch
    timeout_s: float = 20.0
    max_response_bytes: int = 5_000_000
    user_agent: str = "newsaudio/0.1 (+https://github.com/newsaudio)"
    # Loopback and private addresses are refused unless allowed: a feed must not make the
    # worker fetch from inside the newsroom's network.
    allow_private_addresses: bool = False
    allow_local_files: bool = False
    # extract
    site_rules: Path | None = None
    skip_non_german: bool = True
    # speech
    lexicon: Path | None = None
    max_segment_chars: int = 300
    # voices
    voice: str = "default"
    # "onnx": a Coqui VITS voice with its ONNX export (made by `voices fetch`) runs on
    # onnxruntime, 2.5x faster than torch on CPU; "torch": always Coqui/torch.
    voice_runtime: str = "onnx"
    voices_dir: Path | None = None
    cache_dir: Path | None = None
    cache_max_mb: int = 2000
    # With Celery, an article longer than this many segments is spoken by several synth tasks
    # in parallel (they fill the shared sentence cache) before one task masters it. 0 = never.
    # Needs cache_dir on storage every synth worker shares, like output_dir.
    segments_per_task: int = 40
    # ...but only when the voice's measured real-time factor (synthesis seconds per second of
    # speech) is at least this: below it mastering is the bulk and a split only adds overhead
    # (espeak measures ~0.02, neural VITS on one CPU core 0.2-1). 0 = split by length alone.
    split_min_rtf: float = 0.1
    # audio
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    bitrate_kbps: int = 96
    # LAME's -q (0 best .. 9 fastest): 7 measured as fast as 9 with the same loudness, peak and
    # SNR within a fraction of a dB of 2 for speech (`make bench-scale` prints the table).
    mp3_quality: int = 7
    sample_rate: int = 44100
    pause_title_ms: int = 900
    pause_paragraph_ms: int = 700
    pause_sentence_ms: int = 250

    root: Path = Path(".")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsaudio.db').resolve()}"

    @property
    def audio_dir(self) -> Path:
        return self.output_dir / "audio"

    @property
    def feeds_dir(self) -> Path:
        return self.output_dir / "feeds"

    def feed(self, name: str) -> FeedConfig:
        for f in self.feeds:
            if f.name == name:
                return f
        known = ", ".join(f.name for f in self.feeds) or "none"
        raise ConfigError(f"no feed named {name!r} in the config (known: {known})")


@cache
def _path_fields(cls: type) -> frozenset[str]:
    """The settings declared as paths (``Path`` or ``Path | None``), from the annotations."""
    return frozenset(name for name, hint in get_type_hints(cls).items() if Path in (hint, *get_args(hint)))


def _coerce(obj: Any, value: Any, target: Any, name: str) -> Any:
    """Turn a TOML or environment value into the declared type of the setting."""
    kind = type(target)
    try:
        if isinstance(target, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low in {"1", "true", "yes", "on"}:
                    return True
                if low in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            return bool(value)
        if name in _path_fields(type(obj)):
            return Path(value) if value not in ("", None) else None
        if target is None:
            return value
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot read {value!r} as {kind.__name__}") from exc


def _apply(obj: Any, values: dict[str, Any], where: str) -> None:
    names = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names))})")
        setattr(obj, key, _coerce(obj, value, getattr(obj, key), key))


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    path = path or env.get(ENV_PREFIX + "CONFIG") or None
    if path is None and Path("newsaudio.toml").exists():
        path = "newsaudio.toml"
    settings = Settings()
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"config file {p} does not exist: create it or set NEWSAUDIO_CONFIG")
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        settings.root = p.resolve().parent
    raw = dict(raw.get("newsaudio", raw))
    feeds = raw.pop("feeds", [])
    channel = raw.pop("channel", {})
    _apply(settings, raw, str(path or "settings"))
    _apply(settings.channel, channel, "[channel]")
    try:
        settings.feeds = [FeedConfig(**f) for f in feeds]
    except TypeError as exc:
        raise ConfigError(f"[[feeds]]: each feed needs name and url (and may have title): {exc}") from exc

    skip = {"CONFIG"}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key[len(ENV_PREFIX):] in skip:
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name.startswith("channel_"):
            _apply(settings.channel, {name[len("channel_"):]: value}, key)
        elif name in {f.name for f in dataclasses.fields(settings)} and name not in {"feeds", "channel", "root"}:
            _apply(settings, {name: value}, key)

    for name in _path_fields(Settings) - {"root"}:
        value = getattr(settings, name)
        if isinstance(value, Path) and not value.is_absolute():
            setattr(settings, name, settings.root / value)
    if settings.cache_dir is None:
        settings.cache_dir = settings.data_dir / "cache"
    return settings
