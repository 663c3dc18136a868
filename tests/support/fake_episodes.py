"""Published episodes without synthesis: store rows and small files, for publishing tests that
need many episodes fast. The files are placeholders; nothing here decodes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from pipeline.config import Settings
from pipeline.models import Article, Block, Chapter, FeedEntry
from pipeline.run import publishing
from pipeline.stages.publish.names import (
    audio_file_name,
    chapters_file_name,
    json_transcript_file_name,
    opus_file_name,
    vtt_file_name,
)
from pipeline.stages.publish.output import write_audio
from pipeline.state import episodes as episode_records
from pipeline.state.articles import save_prepared, set_status, upsert_entry, upsert_feed
from pipeline.state.schema import episodes
from pipeline.state.store import Store


def url_of(n: int) -> str:
    return f"https://www.example.de/politik/artikel-{n}.html"


def add_episode(
    store: Store,
    settings: Settings,
    n: int,
    *,
    feed: str = "sample",
    version: int = 1,
    title: str | None = None,
    image: str = "",
    url: str | None = None,
    canonical: str | None = None,
    created: datetime | None = None,
) -> str:
    """Article ``n`` of ``feed`` with episode ``version`` published (as render_article leaves it)."""
    article_id = f"{feed}{n:05d}"
    url = url or url_of(n)
    upsert_feed(store, feed, "http://127.0.0.1:9/feed.xml")
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    entry = FeedEntry(guid=f"guid-{feed}-{n}", url=url, title=f"T{n}", published=published)
    upsert_entry(store, feed, article_id, entry)
    article = Article(
        title=title or f"Titel {n}", blocks=[Block("paragraph", f"Absatz {n}.")], url=url,
        canonical_url=canonical or url, image=image,
    )
    save_prepared(store, article_id, article)
    file_name = audio_file_name(article_id, version)
    mp3 = b"ID3" + bytes(997) + n.to_bytes(4, "big")
    cues = [
        {"block": 0, "kind": "title", "text": article.spoken_title, "start_ms": 0, "end_ms": 1500},
        {"block": 1, "kind": "paragraph", "text": f"Absatz {n}.", "start_ms": 2400, "end_ms": 4000},
    ]
    chapters = [Chapter(article.spoken_title, 0)]
    write_audio(settings.output_dir, file_name, mp3, transcript=article.text() + "\n", sidecars={
        vtt_file_name(file_name): b"WEBVTT\n",
        json_transcript_file_name(file_name): b"{}",
        chapters_file_name(file_name): b"{}",
        opus_file_name(file_name): b"OggS",  # a placeholder, like the MP3: every file a render writes
    })
    episode_records.add_episode(store,
        article_id, version=version, voice="espeak-de", voice_is_fallback=False, text_hash=f"h{version}",
        lexicon_version="", content_key=f"k{n}-{version}", file_name=file_name, size=len(mp3), duration_s=4.5,
        title=article.spoken_title, description=f"Absatz {n}.", chapters=chapters, image=image, cues=cues,
    )
    if created is not None:
        with store.engine.begin() as conn:
            conn.execute(
                update(episodes)
                .where(episodes.c.article_id == article_id, episodes.c.version == version)
                .values(created_at=created)
            )
            # ... and so did the versions it replaced.
            conn.execute(
                update(episodes)
                .where(episodes.c.article_id == article_id, episodes.c.version < version)
                .values(replaced_at=created)
            )
    set_status(store, article_id, "done")
    publishing.write_player_data(settings, store, article_id)
    return article_id
