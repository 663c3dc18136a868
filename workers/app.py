"""The Celery app. Configured from newsaudio.toml / NEWSAUDIO_* like everything else.

Queues: ``default`` carries I/O work (poll, fetch+extract, publish), ``synth`` the CPU work
(speech text, synthesis, mastering). Run one synth worker process per core.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from pipeline.config import Settings, load_settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def make_app(config: Settings) -> Celery:
    app = Celery("newsaudio", broker=config.broker_url, backend=config.broker_url, include=["workers.tasks"])
    app.conf.update(
        # A worker killed mid-task loses nothing: the message is acknowledged only after the
        # task finished, and goes back to the queue when the worker process dies.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        task_default_queue="default",
        task_routes={
            "workers.tasks.speak_article": {"queue": "synth"},
            "workers.tasks.speak_part": {"queue": "synth"},
            "workers.tasks.render_article": {"queue": "synth"},
            "workers.tasks.run_job": {"queue": "synth"},  # console/API jobs speak articles
        },
        broker_connection_retry_on_startup=True,
        # Redis redelivers unacknowledged messages after this long; synthesis of a long article
        # must fit in it or it would run twice.
        broker_transport_options={"visibility_timeout": 3 * 3600},
        beat_schedule={
            f"poll-{feed.name}": {
                "task": "workers.tasks.poll_feed",
                "schedule": config.poll_minutes * 60.0,
                "args": (feed.name,),
            }
            for feed in config.feeds
        },
        worker_hijack_root_logger=False,
    )
    return app


app = make_app(settings())
