"""A dead worker's article comes back in minutes: the render lease is the liveness signal, the
reconciler's choice follows it (and the queues), and the shipped times fit together. The
real-process scenario is in test_faults_workers.py."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from pipeline.config import Settings
from pipeline.models import FeedEntry
from pipeline.run import upkeep
from pipeline.state import leases
from pipeline.state.articles import set_status, upsert_entry, upsert_feed
from pipeline.state.leases import acquire_lease, lease_holder
from pipeline.state.store import Store, open_store

DEAD, LIVE, NEVER, NEW = "000000000000dead", "000000000000a11e", "00000000000e0e0e", "0000000000000new"


def articles_in_every_state(store: Store) -> None:
    """A prepared article whose render's holder stopped renewing its lease (DEAD), one being
    rendered (LIVE, its lease renewed), one prepared and never leased (NEVER), one new (NEW)."""
    upsert_feed(store, "f", "http://x/feed.xml")
    for article_id in (DEAD, LIVE, NEVER, NEW):
        upsert_entry(store, "f", article_id, FeedEntry(f"g-{article_id}", f"http://x/{article_id}", article_id))
    for article_id in (DEAD, LIVE, NEVER):
        set_status(store, article_id, "prepared")
    acquire_lease(store, leases.render(DEAD), "gone:1:x", 0.2)
    acquire_lease(store, leases.render(LIVE), "elsewhere:2:y", 3600)


def test_the_reconciler_chooses_prepared_articles_whose_render_lease_lapsed_or_was_never_taken(settings):
    store = open_store(settings)
    articles_in_every_state(store)
    start = datetime.now(UTC)

    def chosen(in_flight: upkeep.InFlight | None, after_s: float) -> set[str]:
        later = start + timedelta(seconds=after_s)
        return {r.id for r in upkeep.abandoned_renders(settings, store, in_flight, now=later)}

    lapsed = settings.lease_timeout_s + 1
    # Nobody has a message for them: the lapsed and the never taken are abandoned, the one whose
    # lease is renewed is not, however long it has been prepared; a new one is not a render.
    assert chosen(lambda ids: set(), lapsed) == {NEVER, DEAD}
    assert chosen(lambda ids: set(), settings.stuck_after_s + 1) == {NEVER, DEAD}
    # Not before lease_timeout_s has passed since the article's last change.
    assert chosen(lambda ids: set(), settings.lease_timeout_s / 2) == set()
    # A message still waits for NEVER (a backlog), or a live worker runs it (its parts).
    assert chosen(lambda ids: {NEVER}, lapsed) == {DEAD}
    # The queues cannot be read: a lapsed lease is proof enough; a render never begun waits for
    # stuck_after_s, as it always did, rather than be queued twice.
    assert chosen(lambda ids: None, lapsed) == {DEAD}
    assert chosen(None, lapsed) == {DEAD}
    assert chosen(None, settings.stuck_after_s + 1) == {NEVER, DEAD}


def test_reconcile_queues_an_abandoned_render_at_once_and_a_new_article_after_stuck_after_s(settings):
    settings.lease_timeout_s, settings.stuck_after_s = 0.5, 2.5
    store = open_store(settings)
    articles_in_every_state(store)
    nobody = lambda ids: set()  # noqa: E731 - no message waits for any of them, no worker runs them
    time.sleep(0.8)
    assert {r.id for r in upkeep.reconcile(settings, store, in_flight=nobody).stuck} == {DEAD, NEVER}
    # Queued again: its deadline starts again now, so the next pass leaves it to the new message.
    assert upkeep.reconcile(settings, store, in_flight=nobody).stuck == []
    time.sleep(2.0)  # past stuck_after_s for NEW; DEAD and NEVER are still not rendered
    assert {r.id for r in upkeep.reconcile(settings, store, in_flight=nobody).stuck} == {NEW, DEAD, NEVER}
    assert lease_holder(store, leases.render(LIVE)) is not None


def test_a_render_lease_lives_while_renewed_and_lapses_after_lease_timeout_s_unrenewed(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with leases.held(store, "render:a", 0.6) as holder:
        time.sleep(1.0)  # longer than the lease: alive only because the thread renewed it
        assert lease_holder(store, "render:a")[0] == holder
    assert lease_holder(store, "render:a") is None
    # A holder that dies stops renewing; its row stays, and lapses.
    acquire_lease(store, "render:b", "gone:1:x", 0.3)
    time.sleep(0.5)
    assert lease_holder(store, "render:b") is None
    assert list(leases.lease_expiries(store, ["render:a", "render:b"])) == ["render:b"]


def test_the_shipped_times_recover_a_dead_workers_article_before_redis_or_run_queue_give_up():
    from workers.app import make_app
    from workers.client import default_timeout

    s = Settings()
    assert s.lease_s == s.lease_timeout_s == 120  # one setting: the render lease lasts what it may go unrenewed
    recovery = s.lease_timeout_s + s.reconcile_s  # at most, plus the render itself
    assert recovery <= 180
    assert recovery < s.stuck_after_s < s.visibility_timeout
    # run --queue waits for a render killed at its hard limit, its recovery and a second render.
    hard = s.synth_task_limit_s + s.task_grace_s
    assert default_timeout(s) == 2 * hard + recovery == 3900
    reconcile = make_app(s).conf.beat_schedule["reconcile"]
    assert reconcile["schedule"] == s.reconcile_s
    assert reconcile["options"]["expires"] == s.reconcile_s  # a late pass is dropped, passes never pile up


def test_the_reconciler_sees_which_articles_a_queued_message_stands_for(tmp_path):
    from tests.support.faultkit import Redis
    from workers.app import make_app
    from workers.tasks import in_flight, queued_articles

    redis = Redis(tmp_path / "redis")
    redis.start()
    try:
        celery = make_app(Settings(broker_url=redis.url))
        celery.send_task("workers.tasks.speak_article", args=(DEAD,), queue="synth")
        celery.send_task("workers.tasks.speak_part", args=(NEVER, 1, 3), queue="synth")
        celery.send_task("workers.tasks.publish_feed", args=(LIVE,))  # a feed's name, not an article
        assert queued_articles(celery, {DEAD, LIVE, NEVER, NEW}) == {DEAD, NEVER}
        # No worker answers what it runs: the reconciler cannot tell, and says so.
        assert in_flight([DEAD, NEW], celery) is None
    finally:
        redis.stop()
