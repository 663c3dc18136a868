"""Downloads counted the way the industry counts them (IAB v2.2), from nginx's access log: a
minute of audio (or the whole file) for one episode and one client per day, ranges added up,
bots left out, apps named by the OPAWG lists; the same log twice counts once; and nothing that
identifies a listener is ever stored."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from pipeline.cli import main
from pipeline.run import downloads
from pipeline.stages.downloads import agent, client_network, parse_line
from pipeline.state.schema import download_progress, download_salts, episode_extras, episodes
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode

DAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
APPLE = "Podcasts/1585.0.1 CFNetwork/1335.0.3 Darwin/21.6.0"
POCKET = "PocketCasts/1.0 (Pocket Casts - Android v7.40.1) ExoPlayerLib/2.18.1"
FILE = "sample00001-v1.mp3"


def line(ip: str, ua: str, sent: int, *, minutes: int = 0, method: str = "GET", status: int = 206,
         path: str = f"/audio/{FILE}", rng: str = "bytes=0-") -> str:
    at = (DAY + timedelta(minutes=minutes)).timestamp()
    return f'{at:.3f}\t{ip}\t"{method} {path}"\t{status}\t{sent}\t"{rng}"\t"{ua}"\n'


@pytest.fixture
def store(settings):
    store = open_store(settings)
    add_episode(store, settings, 1)
    # a ten-minute episode of 1.44 MB: a minute of it is 144,000 bytes
    with store.engine.begin() as conn:
        conn.execute(update(episodes).where(episodes.c.file_name == FILE).values(bytes=1_440_000, duration_s=600.0))
    return store


def ingest(settings, store, tmp_path: Path, lines: list[str], name: str = "access.log") -> downloads.Ingested:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return downloads.ingest(settings, store, [path], today=DAY.date())


def counted(settings, store) -> dict[str, int]:
    (row,) = downloads.stats(settings, store, days=30, today=DAY.date())
    return dict(row.by_app)


def test_a_minute_of_audio_from_one_client_is_one_download_ranges_added_up(settings, store, tmp_path):
    done = ingest(settings, store, tmp_path, [
        line("198.51.100.7", APPLE, 100_000),                       # 100 KB: not yet a minute
        line("198.51.100.7", APPLE, 100_000, minutes=3),           # 200 KB in all: a download
        line("198.51.100.7", APPLE, 500_000, minutes=9),           # more of it: still one
        line("203.0.113.9", POCKET, 50_000),                        # another client, too little
        line("203.0.113.9", POCKET, 1_440_000, status=200, minutes=1),  # the whole file
    ])
    assert done.downloads == 2
    assert counted(settings, store) == {"Apple Podcasts": 1, "Pocket Casts": 1}


OPUS = FILE.replace(".mp3", ".opus")


def test_the_opus_version_counts_as_the_same_episode_by_its_minutes_not_its_bytes(settings, store, tmp_path):
    # the Opus version of the ten-minute episode is 300,000 bytes: a minute of it is 30,000
    with store.engine.begin() as conn:
        conn.execute(update(episode_extras).values(opus_bytes=300_000))
    done = ingest(settings, store, tmp_path, [
        line("198.51.100.7", APPLE, 20_000, path=f"/audio/{OPUS}"),     # two thirds of a minute
        line("198.51.100.7", APPLE, 10_000, path=f"/audio/{OPUS}", minutes=2),  # a minute: one
        line("203.0.113.9", POCKET, 20_000, path=f"/audio/{OPUS}"),     # 40 s of Opus ...
        line("203.0.113.9", POCKET, 50_000, minutes=1),                  # ... and 20 s of MP3: one
        line("192.0.2.4", APPLE, 20_000, path=f"/audio/{OPUS}"),       # 40 s: not a download
    ])
    assert done.downloads == 2
    assert counted(settings, store) == {"Apple Podcasts": 1, "Pocket Casts": 1}


def test_an_opus_file_no_episode_recorded_is_not_counted(settings, store, tmp_path):
    done = ingest(settings, store, tmp_path, [line("198.51.100.7", APPLE, 1_000_000, path=f"/audio/{OPUS}")])
    assert done.hits == 1 and done.downloads == 0


def test_bots_head_requests_errors_and_other_files_are_not_downloads(settings, store, tmp_path):
    done = ingest(settings, store, tmp_path, [
        line("198.51.100.7", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 1_440_000),
        line("198.51.100.8", APPLE, 1_440_000, method="HEAD"),
        line("198.51.100.9", APPLE, 1_440_000, status=404),
        line("198.51.100.10", APPLE, 1_440_000, path="/feeds/sample.xml"),
        line("198.51.100.11", APPLE, 1_440_000, path="/audio/nobody-v1.mp3"),
        "a line of some other format\n",
    ])
    assert done.downloads == 0
    assert counted(settings, store) == {}


def test_an_ipv6_client_is_its_64_network(settings, store, tmp_path):
    assert client_network("2001:db8:1:2:aaaa::1") == client_network("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    done = ingest(settings, store, tmp_path, [
        line("2001:db8:1:2:aaaa::1", APPLE, 100_000),
        line("2001:db8:1:2:bbbb::9", APPLE, 100_000, minutes=5),  # the same phone, a new address
    ])
    assert done.downloads == 1


def test_the_same_log_twice_rotated_and_gzipped_counts_once(settings, store, tmp_path):
    lines = [line("198.51.100.7", APPLE, 200_000), line("203.0.113.9", POCKET, 200_000)]
    assert ingest(settings, store, tmp_path, lines).downloads == 2
    again = ingest(settings, store, tmp_path, lines)
    assert (again.downloads, again.repeated) == (0, 2)
    rotated = tmp_path / "access.log.1.gz"
    with gzip.open(rotated, "wt", encoding="utf-8") as fh:
        fh.write("".join(lines) + line("192.0.2.1", POCKET, 200_000, minutes=30))
    third = downloads.ingest(settings, store, [rotated], today=DAY.date())
    assert (third.downloads, third.repeated) == (1, 2)
    assert counted(settings, store) == {"Apple Podcasts": 1, "Pocket Casts": 2}


def test_no_address_or_user_agent_is_stored_and_a_closed_day_forgets_its_clients(settings, store, tmp_path):
    ingest(settings, store, tmp_path, [line("198.51.100.7", APPLE, 200_000), line("2001:db8:1:2::5", POCKET, 9)])
    db = settings.data_dir / "newsaudio.db"
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    for secret in ("198.51.100.7", "2001:db8:1:2", "CFNetwork", "ExoPlayer"):
        assert secret not in dump
    downloads.close_windows(store, DAY.date() + timedelta(days=2))
    with store.engine.connect() as conn:
        assert conn.execute(download_salts.select()).first() is None
        assert conn.execute(download_progress.select()).first() is None
    assert counted(settings, store) == {"Apple Podcasts": 1}, "the counts stay"


def test_stats_shows_downloads_by_app_beside_web_player_plays(settings, store, tmp_path, capsys):
    log = tmp_path / "access.log"
    now = datetime.now(UTC)
    # a log of today (a closed day's clients are forgotten: its lines cannot be added up)
    log.write_text(line("198.51.100.7", APPLE, 200_000).replace(f"{DAY.timestamp():.3f}", f"{now.timestamp():.3f}"),
                   encoding="utf-8")
    assert main(["stats", "ingest", str(log)], settings=settings) == 0
    capsys.readouterr()
    assert main(["stats", "--json"], settings=settings) == 0
    (row,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert row["downloads"] == 1 and row["days"][0]["by_app"] == {"Apple Podcasts": 1}
    assert row["web_plays"] == 0 and row["guid"] == "guid-sample-1"
    assert main(["stats", "ingest"], settings=settings) == 2


def test_user_agents_are_named_by_the_opawg_lists_examples():
    """Every example the shipped lists carry names its own entry (the lists' own test)."""
    root = Path(__file__).resolve().parents[2] / "pipeline" / "stages" / "data" / "opawg"
    wrong = []
    for kind in ("bots", "apps", "libraries", "browsers"):
        for entry in json.loads((root / f"{kind}.json").read_text(encoding="utf-8"))["entries"]:
            for example in entry.get("examples", []):
                if agent(example).name != entry["name"] and agent(example).kind == kind.rstrip("s"):
                    wrong.append((example, entry["name"], agent(example).name))
    assert wrong == []
    assert parse_line(line("198.51.100.7", APPLE, 5)).file_name == FILE
    assert date(2026, 12, 1) == parse_line(line("198.51.100.7", APPLE, 5)).day
