"""Redis restarted and PostgreSQL gone for 20 s in the middle of a queued run: the run still
ends by itself with every article published exactly once and nothing half-written."""

from __future__ import annotations

import time

from pipeline.state.articles import get_article
from tests.faults.test_faults_workers import finished, rendering_pid
from tests.support.faultkit import Cluster, wait_for


def test_redis_restarted_mid_run(tmp_path):
    # Long articles are spoken by parallel part tasks (a chord in Redis) when Redis goes.
    with Cluster(tmp_path, extra="segments_per_task = 8\nsplit_min_rtf = 0") as c:
        c.start_worker("a", concurrency=2, beat=True, wait=False)
        run = c.run_queue()

        def speaking() -> bool:
            try:
                return get_article(c.store(), c.long_article()).status == "prepared"
            except ValueError:
                return False

        wait_for(speaking, 180, "the long article to be spoken")
        time.sleep(1.0)  # part tasks queued and under way
        c.redis.restart()
        finished(c, run)
        c.check()


def test_postgresql_outage_of_20_seconds_mid_run(tmp_path):
    with Cluster(tmp_path, extra="segments_per_task = 0") as c:
        c.start_worker("a", concurrency=2, beat=True, wait=False)
        run = c.run_queue()
        rendering_pid(c)
        c.proxy.cut()
        time.sleep(20)
        c.proxy.resume()
        finished(c, run)
        c.check()
        log = c.worker_log(tail=10_000_000)
        assert "OperationalError" in log  # the outage was felt, and retried
