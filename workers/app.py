"""The Celery app. Configured from newsaudio.toml / NEWSAUDIO_* like everything else.

Queues: ``default`` carries I/O work (poll, fetch+extract, publish), ``synth`` the CPU work
(speech text, synthesis, mastering). Run one synth worker process per core.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from pipeline.config import Settings, load_settings
from workers import redis_reconnect


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


TASK_KINDS = {
    "workers.tasks.poll_feed": "io",
    "workers.tasks.prepare_article": "io",
    "workers.tasks.publish_feed": "io",
    "workers.tasks.reconcile": "io",
    "workers.tasks.speak_article": "synth",
    "workers.tasks.speak_part": "synth",
    "workers.tasks.render_article": "synth",
    "workers.tasks.process_article": "synth",
}


def limits(config: Settings, kind: str) -> dict[str, float]:
    soft = config.io_task_limit_s if kind == "io" else config.synth_task_limit_s
    return {"soft_time_limit": soft, "time_limit": soft + config.task_grace_s}


def make_app(config: Settings) -> Celery:
    redis_reconnect.install()
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
        broker_connection_max_retries=None,  # a Redis restart: reconnect, however long it takes
        # Soft limit raises inside the task (the stage records "time-limit"); the hard limit
        # kills the pool process, and the message goes back to the queue.
        task_annotations={name: limits(config, kind) for name, kind in TASK_KINDS.items()},
        # Redis redelivers unacknowledged messages after this long: longer than any task may
        # run, including the wait of a message reserved behind a running one.
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout,
            "unacked_restore_interval": max(1.0, min(60.0, config.visibility_timeout / 10)),
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={"retry_policy": {"max_retries": config.task_retries}},
        beat_schedule={
            **{
                f"poll-{feed.name}": {
                    "task": "workers.tasks.poll_feed",
                    "schedule": config.poll_minutes * 60.0,
                    "args": (feed.name,),
                }
                for feed in config.feeds
            },
            # Articles stuck past their deadline or abandoned by a dead worker are re-queued,
            # feeds behind their episodes published, leftovers of killed workers swept. A pass
            # not started within its interval (the default queue busy) is dropped rather than
            # run late, so passes never pile up behind a backlog: the next one does its work.
            "reconcile": {
                "task": "workers.tasks.reconcile",
                "schedule": config.reconcile_s,
                "options": {"expires": config.reconcile_s},
            },
        },
        worker_hijack_root_logger=False,
        # Checked after each task against the process's peak RSS (billiard reads ru_maxrss):
        # a process that once went past the bound is replaced before its next task, so a
        # worker machine's memory is processes x bound, whatever articles came.
        worker_max_memory_per_child=config.synth_max_memory_mb * 1024 or None,
    )
    return app


app = make_app(settings())
