from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsaudio.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_and_relative_paths(tmp_path):
    path = write(tmp_path, """
public_base_url = "https://audio.example.de"
output_dir = "out"
poll_minutes = 5
[channel]
title = "Kanal"
[[feeds]]
name = "politik"
url = "https://www.n-tv.de/politik/rss"
""")
    s = load_settings(path, env={})
    assert s.public_base_url == "https://audio.example.de"
    assert s.output_dir == tmp_path / "out"
    assert s.poll_minutes == 5.0
    assert s.channel.title == "Kanal"
    assert s.feed("politik").url == "https://www.n-tv.de/politik/rss"
    assert s.db_url == f"sqlite:///{tmp_path / 'data' / 'newsaudio.db'}"


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, 'broker_url = "redis://a:6379/0"\nallow_private_addresses = true\n')
    s = load_settings(path, env={
        "NEWSAUDIO_BROKER_URL": "redis://b:6379/1",
        "NEWSAUDIO_ALLOW_PRIVATE_ADDRESSES": "false",
        "NEWSAUDIO_DATABASE_URL": "postgresql+psycopg://u@db/news",
        "NEWSAUDIO_CHANNEL_AUTHOR": "Redaktion",
        "NEWSAUDIO_MAX_RESPONSE_BYTES": "1000",
    })
    assert s.broker_url == "redis://b:6379/1"
    assert s.allow_private_addresses is False
    assert s.db_url == "postgresql+psycopg://u@db/news"
    assert s.channel.author == "Redaktion"
    assert s.max_response_bytes == 1000


def test_config_file_from_environment(tmp_path):
    path = write(tmp_path, 'voice = "espeak-de"\n')
    assert load_settings(env={"NEWSAUDIO_CONFIG": str(path)}).voice == "espeak-de"


@pytest.mark.parametrize(
    "text, message",
    [
        ("voise = 'x'", "unknown setting 'voise'"),
        ("poll_minutes = 'oft'", "cannot read 'oft'"),
        ("[[feeds]]\nurl = 'x'", "each feed needs name and url"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env={})


def test_unknown_feed_lists_the_known_ones(tmp_path):
    s = load_settings(write(tmp_path, "[[feeds]]\nname='a'\nurl='http://x'\n"), env={})
    with pytest.raises(ConfigError, match=r"known: a"):
        s.feed("b")
