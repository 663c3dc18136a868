"""output/ in an S3 bucket (output_url): the bundled sample published into a real S3-compatible
store (SeaweedFS on loopback) and read back with plain GETs, as a CDN or a podcast app in front
of a public bucket would; and an editor's withdrawal that deletes the objects and tells the CDN."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from lxml import etree

from pipeline.config import Settings
from pipeline.run import publishing, upkeep
from pipeline.run.article import render_article
from pipeline.run.feed import run
from pipeline.run.sample_site import SAMPLE_SITE, serve_site
from pipeline.stages.publish.names import episode_files, player_data_guid_path, player_data_path
from pipeline.stages.publish.objects import output_of
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import latest_episode
from pipeline.state.store import open_store
from tests.conftest import settings_in

if TYPE_CHECKING:  # the plugin below imports it: importing it first would stop pytest rewriting it
    from tests.support.seaweed import Seaweed

pytest_plugins = ["tests.support.seaweed"]

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=60, must-revalidate"


def in_bucket(settings: Settings, seaweed: Seaweed, bucket: str, prefix: str = "site") -> Settings:
    settings.output_url = f"s3://{bucket}/{prefix}"
    settings.s3_endpoint_url = seaweed.endpoint
    settings.s3_region = "us-east-1"
    settings.s3_access_key_id = "test"
    settings.s3_secret_access_key = "test"
    # Listeners reach the bucket directly here (a CDN would sit at this address).
    settings.public_base_url = f"{seaweed.endpoint}/{bucket}/{prefix}"
    return settings


@pytest.fixture(scope="module")
def published(seaweed: Seaweed, tmp_path_factory) -> Iterator[tuple[Settings, str]]:
    bucket = seaweed.new_bucket()
    with serve_site(SAMPLE_SITE) as base:
        settings = in_bucket(settings_in(tmp_path_factory.mktemp("s3run"), f"{base}/feed.xml"), seaweed, bucket)
        summary = run(settings)
        assert len([o for o in summary.outcomes if o.status == "done"]) == 4, summary.outcomes
        yield settings, bucket


def get(settings: Settings, rel: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{settings.public_base_url}/{rel}", headers=headers, timeout=10)


def feed_items(settings: Settings) -> list[etree._Element]:
    answer = get(settings, "feeds/sample.xml")
    assert answer.status_code == 200
    return list(etree.fromstring(answer.content).iter("item"))


def test_the_demo_is_published_into_the_bucket_and_nothing_into_the_folder(published):
    settings, _ = published
    assert not settings.output_dir.exists()  # the bucket is output/ now
    feed = get(settings, "feeds/sample.xml")
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert feed.headers["cache-control"] == REVALIDATE
    items = feed_items(settings)
    assert len(items) == 4
    for item in items:
        enclosure = item.find("enclosure").get("url")
        assert enclosure.startswith(settings.public_base_url + "/audio/")
        # A podcast app seeks: a byte range of the MP3, straight from the store
        part = httpx.get(enclosure, headers={"Range": "bytes=0-1023"}, timeout=10)
        assert part.status_code == 206 and len(part.content) == 1024
        assert part.headers["content-type"] == "audio/mpeg"
        assert part.headers["cache-control"] == IMMUTABLE
        assert part.headers["content-range"].startswith("bytes 0-1023/")
        whole = int(part.headers["content-range"].rsplit("/", 1)[1])
        assert whole == int(item.find("enclosure").get("length"))
        assert part.content[:3] == b"ID3"


def test_transcripts_chapters_and_player_data_carry_the_types_serve_sends(published):
    settings, _ = published
    store = open_store(settings)
    rows = [r for r in list_articles(store, "sample") if latest_episode(store, r.id)]
    assert len(rows) == 4
    expected = {
        ".txt": "text/plain; charset=utf-8",
        ".vtt": "text/vtt; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".chapters.json": "application/json+chapters; charset=utf-8",
    }
    for row in rows:
        episode = latest_episode(store, row.id).episode
        for rel in episode_files(episode.file_name):
            suffix = next((s for s in (".chapters.json", ".json", ".vtt", ".txt") if rel.endswith(s)), None)
            if suffix is None:
                continue
            answer = get(settings, rel)
            assert answer.status_code == 200, rel
            assert answer.headers["content-type"] == expected[suffix], rel
            assert answer.headers["cache-control"] == REVALIDATE, rel
        vtt = get(settings, f"audio/{episode.file_name.removesuffix('.mp3')}.vtt")
        assert vtt.text.startswith("WEBVTT")
        if settings.opus_kbps > 0:  # the low-bandwidth version is versioned like the MP3: immutable
            opus = get(settings, f"audio/{episode.file_name.removesuffix('.mp3')}.opus", Range="bytes=0-3")
            assert opus.status_code == 206 and opus.content == b"OggS"
            assert opus.headers["content-type"] == "audio/ogg; codecs=opus"
            assert opus.headers["cache-control"] == IMMUTABLE
        # The website's player finds the article's data by its canonical URL and by GUID
        article = row.article()
        for rel in (player_data_path(article.canonical_url or article.url), player_data_guid_path(row.guid)):
            answer = get(settings, rel)
            assert answer.status_code == 200, rel
            assert answer.headers["content-type"] == "application/json; charset=utf-8"
            assert answer.headers["cache-control"] == REVALIDATE
            assert json.loads(answer.content)["audio"]["url"].endswith(episode.file_name)
    index = get(settings, "feeds/sample.json")
    assert index.headers["content-type"] == "application/json; charset=utf-8"
    assert len(json.loads(index.content)) == 4
    cover = get(settings, "cover.png")
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/png"


def test_the_reconciler_sees_the_feed_in_the_bucket(published, seaweed):
    import boto3

    from pipeline.run.reconcile import feeds_behind

    settings, bucket = published
    store = open_store(settings)
    assert feeds_behind(settings, store) == []  # not "missing" because no folder has it
    client = seaweed.client(boto3)
    client.delete_object(Bucket=bucket, Key="site/feeds/sample.xml")
    assert feeds_behind(settings, store) == ["sample"]
    publishing.publish_feed("sample", settings, store)
    assert get(settings, "feeds/sample.xml").status_code == 200
    assert feeds_behind(settings, store) == []


def test_the_web_app_starts_without_boto3(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys; from web.app import create_app; from tests.conftest import settings_in; "
            "from pathlib import Path; create_app(settings_in(Path(sys.argv[1]))); "
            "print('boto3' in sys.modules, 'botocore' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["False", "False"]


def test_an_unchanged_feed_is_not_uploaded_again(published, seaweed):
    import boto3

    settings, bucket = published
    client = seaweed.client(boto3)
    before = client.head_object(Bucket=bucket, Key="site/feeds/sample.xml")
    time.sleep(1.1)  # the store's times are in whole seconds
    publishing.publish_feed("sample", settings)
    after = client.head_object(Bucket=bucket, Key="site/feeds/sample.xml")
    assert after["LastModified"] == before["LastModified"] and after["ETag"] == before["ETag"]
    # An object written under an older cache table gets today's headers with the next write
    feed = client.get_object(Bucket=bucket, Key="site/feeds/sample.xml")
    client.put_object(Bucket=bucket, Key="site/feeds/sample.xml", Body=feed["Body"].read(),
                      ContentType=feed["ContentType"], CacheControl="max-age=3600", Metadata=feed["Metadata"])
    publishing.publish_feed("sample", settings)
    assert get(settings, "feeds/sample.xml").headers["cache-control"] == REVALIDATE


class PurgeReceiver:
    """A CDN's purge API on loopback: records each POST's JSON body."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                length = int(self.headers.get("content-length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(202)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/purge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def purge_receiver() -> Iterator[PurgeReceiver]:
    receiver = PurgeReceiver()
    yield receiver
    receiver.close()


def told_to(settings: Settings, receiver: PurgeReceiver) -> None:
    settings.cdn_purge_url = receiver.url
    settings.allowed_hosts = [*settings.allowed_hosts, f"127.0.0.1:{receiver.server.server_port}"]


def test_old_versions_leave_the_bucket_after_their_grace_and_the_cdn_is_told(published, purge_receiver):
    settings, _ = published
    told_to(settings, purge_receiver)
    store = open_store(settings)
    article_id = publishing.resolve_article(feed_items(settings)[-1].findtext("guid"), settings, store)
    old = latest_episode(store, article_id).episode
    outcome = render_article(article_id, settings, force=True)
    assert outcome.status == "done" and outcome.version == old.version + 1
    publishing.publish_feed("sample", settings, store)
    assert get(settings, f"audio/{old.file_name}").status_code == 200  # apps with the old feed still get it
    later = datetime.now(UTC) + timedelta(days=settings.old_versions_grace_days + 1)
    removed = publishing.sweep_old_versions(settings, store, now=later)
    assert f"audio/{old.file_name}" in removed
    for rel in removed:
        assert get(settings, rel).status_code == 404, rel
    assert get(settings, f"audio/{outcome.file_name}").status_code == 200
    assert purge_receiver.bodies[-1]["keys"] == [f"site/{rel}" for rel in removed]


def test_an_upload_that_no_record_names_is_swept(published, seaweed):
    import boto3

    settings, bucket = published
    store = open_store(settings)
    # a render killed between its upload and its record
    seaweed.client(boto3).put_object(Bucket=bucket, Key="site/audio/0123456789abcdef-v1.mp3", Body=b"x")
    swept = upkeep.sweep_orphans(output_of(settings), store, min_age_s=0)
    assert [str(p) for p in swept] == [f"s3://{bucket}/site/audio/0123456789abcdef-v1.mp3"]
    assert get(settings, "audio/0123456789abcdef-v1.mp3").status_code == 404
    for item in feed_items(settings):  # the recorded episodes stay
        assert httpx.head(item.find("enclosure").get("url"), timeout=10).status_code == 200


def test_a_withdrawn_episode_leaves_the_bucket_and_the_cdn_is_told(published, purge_receiver, seaweed):
    settings, bucket = published
    told_to(settings, purge_receiver)
    store = open_store(settings)
    first = feed_items(settings)[0]
    article_id = publishing.resolve_article(first.findtext("guid"), settings, store)
    episode = latest_episode(store, article_id).episode
    row = get_article(store, article_id)
    gone = episode_files(episode.file_name)
    present = [rel for rel in gone if get(settings, rel).status_code == 200]
    assert f"audio/{episode.file_name}" in present

    withdrawal = publishing.withdraw(article_id, settings, message="test", store=store)

    for rel in present:
        assert get(settings, rel).status_code == 404, rel
    assert first.findtext("guid") not in [i.findtext("guid") for i in feed_items(settings)]
    assert get(settings, player_data_guid_path(row.guid)).status_code == 404
    # recorded: a tombstone per file beside them (what a 410-answering proxy reads) ...
    assert get(settings, f".gone/audio/{episode.file_name}").status_code == 200
    # ... and the CDN's purge hook named every removed object, by URL and by key
    assert len(purge_receiver.bodies) == 1
    body = purge_receiver.bodies[0]
    assert sorted(body["urls"]) == sorted(f"{settings.public_base_url}/{rel}" for rel in withdrawal.files)
    assert sorted(body["keys"]) == sorted(f"site/{rel}" for rel in withdrawal.files)
    assert set(present) <= set(withdrawal.files)

    publishing.restore(article_id, settings, store)
    assert get(settings, f"audio/{episode.file_name}").status_code == 200
    assert get(settings, f".gone/audio/{episode.file_name}").status_code == 404
    assert first.findtext("guid") in [i.findtext("guid") for i in feed_items(settings)]


def test_the_folder_stays_the_default(tmp_path: Path):
    from pipeline.stages.publish.objects import Folder, output_of, parts_of

    settings = settings_in(tmp_path)
    assert output_of(settings) == Folder(settings.output_dir) and parts_of(settings) is None


def test_the_purge_hook_goes_through_the_address_guards(settings, purge_receiver, caplog):
    from pipeline.run import purge

    settings.allowed_hosts = []  # a production config: the demo's loopback site is not allowed
    settings.cdn_purge_url = purge_receiver.url  # loopback, and not named in allowed_hosts
    assert purge.removed(settings, ["audio/x-v1.mp3"]) is False
    assert purge_receiver.bodies == [] and "CDN purge of 1 files failed" in caplog.text
    told_to(settings, purge_receiver)
    assert purge.removed(settings, ["audio/x-v1.mp3"]) is True
    assert purge_receiver.bodies == [{"urls": [f"{settings.public_base_url}/audio/x-v1.mp3"],
                                      "keys": ["audio/x-v1.mp3"]}]
