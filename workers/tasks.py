"""Thin tasks: each calls one function of pipeline.jobs and returns a JSON-able summary."""

from __future__ import annotations

from typing import Any

from celery import Task, chord, group, signature

from pipeline import jobs
from workers.app import app, settings


@app.task(name="workers.tasks.poll_feed")
def poll_feed(feed_name: str) -> dict[str, Any]:
    """Poll one feed, then fan out one prepare->render chain per article that needs work (never
    per feed entry: known, unchanged entries get no task); publish when all end."""
    config = settings()
    polled = jobs.poll_feed(config.feed(feed_name), config)
    header = [
        signature("workers.tasks.prepare_article", args=(article_id,), immutable=True)
        | signature("workers.tasks.speak_article", args=(article_id,), immutable=True)
        for article_id in polled.article_ids
    ]
    publish = signature("workers.tasks.publish_feed", args=(feed_name,), immutable=True)
    result = chord(header)(publish) if header else publish.delay()
    return {
        "feed": feed_name,
        "article_ids": polled.article_ids,
        "new": polled.new,
        "changed": polled.changed,
        "not_modified": polled.not_modified,
        "error": polled.error,
        "publish_id": result.id,
    }


@app.task(name="workers.tasks.prepare_article")
def prepare_article(article_id: str) -> dict[str, Any]:
    return jobs.prepare_article(article_id, settings()).to_dict()


@app.task(name="workers.tasks.speak_article", bind=True)
def speak_article(self: Task, article_id: str) -> dict[str, Any]:
    """Render a short article at once; split a long one into parallel synth tasks first, so
    its latency shrinks with more workers. The chord replaces this task in the workflow, so
    whatever waits for this task waits for the rendering."""
    config = settings()
    done = jobs.settled(article_id, config)
    if done is not None:  # a 304 or a failed fetch: nothing to speak
        return done.to_dict()
    parts = jobs.plan_parts(article_id, config)
    if parts <= 1:
        return jobs.render_article(article_id, config).to_dict()
    speakers = group(
        signature("workers.tasks.speak_part", args=(article_id, i, parts), immutable=True) for i in range(parts)
    )
    render = signature("workers.tasks.render_article", args=(article_id,), immutable=True)
    raise self.replace(chord(speakers, render))


@app.task(name="workers.tasks.speak_part")
def speak_part(article_id: str, part: int, parts: int) -> int:
    return jobs.speak_part(article_id, part, parts, settings())


@app.task(name="workers.tasks.render_article")
def render_article(article_id: str) -> dict[str, Any]:
    return jobs.render_article(article_id, settings()).to_dict()


@app.task(name="workers.tasks.process_article")
def process_article(article_id: str) -> dict[str, Any]:
    """Both steps in one task, for a regeneration an editor asks for."""
    return jobs.process_article(article_id, settings()).to_dict()


@app.task(name="workers.tasks.publish_feed")
def publish_feed(feed_name: str) -> str:
    return str(jobs.publish_feed(feed_name, settings()))
