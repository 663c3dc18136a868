"""Downloads counted from what nginx really logs: the shipped config's `newsaudio` log format,
written by a real nginx serving episode audio, read by `newsaudio stats ingest`."""

from __future__ import annotations

import json

import httpx

from pipeline.cli.main import main
from pipeline.run import publishing
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode
from web.files.nginx import running_nginx

APPLE = "Podcasts/1585.0.1 CFNetwork/1335.0.3 Darwin/21.6.0"
ANTENNA = "AntennaPod/3.2.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_nginx_logs_what_stats_ingest_counts(settings, tmp_path, capsys):
    store = open_store(settings)
    add_episode(store, settings, 1)  # a short file: a download is all of it
    publishing.publish_feed("sample", settings, store)
    audio = "/audio/sample00001-v1.mp3"
    log = tmp_path / "audio.log"
    with running_nginx(settings.output_dir, access_log=log) as base:
        with httpx.Client(base_url=base) as client:
            for ua, ranges in ((APPLE, ["bytes=0-499", "bytes=500-"]), (ANTENNA, [None]), (BOT, [None])):
                for rng in ranges:
                    headers = {"User-Agent": ua, **({"Range": rng} if rng else {})}
                    assert client.get(audio, headers=headers).status_code in (200, 206)
            assert client.get("/feeds/sample.xml", headers={"User-Agent": APPLE}).status_code == 200
            assert client.head(audio, headers={"User-Agent": APPLE}).status_code == 200
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5, "only episode audio is logged (4 GETs and a HEAD)"
    assert main(["stats", "ingest", str(log), "--json"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out)["downloads"] == 2
    assert main(["stats", "ingest", str(log), "--json"], settings=settings) == 0  # the same log again
    assert json.loads(capsys.readouterr().out)["downloads"] == 0
    assert main(["stats", "--json"], settings=settings) == 0
    (row,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert row["days"][0]["by_app"] == {"Apple Podcasts": 1, "AntennaPod": 1}
