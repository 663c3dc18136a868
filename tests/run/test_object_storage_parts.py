"""A long article split across synth workers that share no folder: only a bucket (parts_url and
output_url, SeaweedFS on loopback) and the store. Each worker is its own process with its own
data and cache folders, as on two machines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from pipeline.run.article import prepare_article
from pipeline.run.feed import poll_feed
from pipeline.run.parts import plan_parts
from pipeline.state.articles import get_article
from pipeline.state.episodes import latest_episode
from pipeline.state.store import open_store
from tests.conftest import REPO
from tests.run.test_object_storage import in_bucket

pytest_plugins = ["tests.support.seaweed"]

# One worker: settings of its own folder, the shared store and bucket; then the part tasks it
# was handed, and the render when asked. Prints what it did as JSON.
WORKER = """
import json, sys
from pathlib import Path
from pipeline.run.article import render_article
from pipeline.run.parts import speak_part
from tests.conftest import settings_in
job = json.loads(sys.argv[1])
s = settings_in(Path(job["folder"]), job["feed_url"])
for name, value in job["settings"].items():
    setattr(s, name, value)
spoken = {part: speak_part(job["article"], part, job["parts"], s) for part in job["speak"]}
outcome = render_article(job["article"], s) if job["render"] else None
print(json.dumps({"spoken": spoken, "outcome": outcome and {
    "status": outcome.status, "synthesised": outcome.synthesised, "timings": outcome.timings,
    "file_name": outcome.file_name, "duration_s": outcome.duration_s}}))
"""


def worker(job: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(job)], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_workers_with_no_shared_folder_render_a_split_article(small_sample_settings, seaweed, tmp_path):
    import boto3

    bucket = seaweed.new_bucket()
    settings = in_bucket(small_sample_settings, seaweed, bucket)
    settings.parts_url = f"s3://{bucket}/parts"
    settings.database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    settings.voice = "espeak-de"
    settings.segments_per_task = 5
    settings.split_min_rtf = 0.0
    polled = poll_feed(settings.feed("sample"), settings)
    store = open_store(settings)
    (seed,) = [i for i in polled.article_ids if get_article(store, i).guid == "ntv-article24649386"]
    assert prepare_article(seed, settings, store).status == "prepared"
    parts = plan_parts(seed, settings, store)
    assert parts >= 3

    shared = {name: getattr(settings, name) for name in (
        "output_url", "parts_url", "s3_endpoint_url", "s3_region", "s3_access_key_id", "s3_secret_access_key",
        "public_base_url", "database_url", "voice", "segments_per_task", "split_min_rtf")}
    feed_url = settings.feed("sample").url
    folders = [tmp_path / "machine-a", tmp_path / "machine-b"]
    evens = [p for p in range(parts) if p % 2 == 0]
    odds = [p for p in range(parts) if p % 2 == 1]
    first = worker({"folder": str(folders[0]), "feed_url": feed_url, "settings": shared, "article": seed,
                    "parts": parts, "speak": evens, "render": False})
    assert all(n > 0 for n in first["spoken"].values())
    # The first machine's parts are in the bucket, not in a folder the other could read
    client = seaweed.client(boto3)
    listed = client.list_objects_v2(Bucket=bucket, Prefix="parts/").get("Contents", [])
    assert len([o for o in listed if o["Key"].endswith(".mp3")]) == len(evens)
    assert not list((folders[0] / "data" / "cache" / "parts").glob("*.mp3"))

    second = worker({"folder": str(folders[1]), "feed_url": feed_url, "settings": shared, "article": seed,
                     "parts": parts, "speak": odds, "render": True})
    outcome = second["outcome"]
    assert all(n > 0 for n in second["spoken"].values())
    # Joined from both machines' parts: the renderer spoke nothing, not even the first's share
    assert outcome["status"] == "done" and outcome["synthesised"] == 0 and "join" in outcome["timings"]
    episode = latest_episode(store, seed).episode
    assert episode.file_name == outcome["file_name"]
    mp3 = httpx.get(f"{settings.public_base_url}/audio/{episode.file_name}", timeout=10)
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert len(mp3.content) == episode.bytes and episode.duration_s > 20
    # Published, the parts are gone from the bucket and from the renderer's folder
    assert client.list_objects_v2(Bucket=bucket, Prefix="parts/").get("KeyCount", 0) == 0
    assert not list((folders[1] / "data" / "cache" / "parts").glob("*"))
    assert not Path(settings.output_dir).exists()


def test_parts_no_render_joined_leave_the_bucket_after_a_day(small_sample_settings, seaweed):
    import boto3

    from pipeline.stages import fragments

    bucket = seaweed.new_bucket()
    settings = in_bucket(small_sample_settings, seaweed, bucket)
    settings.parts_url = f"s3://{bucket}/parts"
    client = seaweed.client(boto3)
    for key in ("parts/0123456789abcdef-0123456789abcdef0123-0of2.mp3",
                "parts/0123456789abcdef-0123456789abcdef0123-0of2.json", "parts/notes.txt"):
        client.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert fragments.sweep(settings, stale_tmp_s=3600) == []  # younger than a day: a render may still join it
    swept = fragments.sweep(settings, stale_tmp_s=3600, stale_part_s=0)
    assert sorted(p.name for p in swept) == ["0123456789abcdef-0123456789abcdef0123-0of2.json",
                                             "0123456789abcdef-0123456789abcdef0123-0of2.mp3"]
    left = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="parts/")["Contents"]]
    assert left == ["parts/notes.txt"]  # only parts are swept
