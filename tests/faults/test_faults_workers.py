"""Workers die mid-synthesis, or two of everything run at once: every article is still
published exactly once, the feed matches its files, nothing half-written stays, and
`run --queue` ends by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import redis

from pipeline.state.articles import get_article
from pipeline.state.episodes import all_episodes
from tests.support.faultkit import Cluster, wait_for


def rendering_pid(c: Cluster) -> int:
    """Wait until the long article is being rendered; the pid rendering it."""
    found: dict[str, int] = {}

    def rendering() -> bool:
        try:
            pid = c.render_holder(c.long_article())
        except ValueError:  # the feed is not polled yet
            return False
        if pid:
            found["pid"] = pid
        return bool(pid)

    wait_for(rendering, 180, "the long article's render")
    return found["pid"]


def finished(c: Cluster, run: subprocess.Popen, timeout: float = 300) -> str:
    out, err = run.communicate(timeout=timeout)
    assert run.returncode == 0, f"{out}\n{err}\n{c.worker_log()}"
    assert "Traceback" not in err, err
    return out


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_sigkill_of_a_worker_child_mid_synthesis(tmp_path):
    with Cluster(tmp_path, extra="segments_per_task = 0") as c:
        worker = c.start_worker("a", concurrency=2, beat=True, wait=False)
        run = c.run_queue()  # starts meanwhile; it waits for the worker to answer
        pid = rendering_pid(c)
        assert pid in children(worker.pid)
        os.kill(pid, signal.SIGKILL)
        out = finished(c, run)
        assert "3 done" in out or "done" in out
        c.check()


def test_sigkill_of_a_whole_worker_mid_synthesis(tmp_path):
    with Cluster(tmp_path, extra="segments_per_task = 0") as c:
        workers = [c.start_worker("a", wait=False), c.start_worker("b", beat=True, wait=False)]
        run = c.run_queue()
        pid = rendering_pid(c)
        (doomed,) = [w for w in workers if pid in children(w.pid)]
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its pool, as when a machine dies
        doomed.wait()
        # The other worker takes over: the unacknowledged message comes back after the
        # visibility timeout, the dead holder's lease is taken over (or lapses), the reconciler
        # fills any gap.
        finished(c, run)
        c.check()


def test_two_workers_and_two_queued_runs_on_the_same_feed(tmp_path):
    with Cluster(tmp_path, extra="segments_per_task = 8") as c:
        c.start_worker("a", concurrency=1, beat=True, wait=False)
        c.start_worker("b", concurrency=1, wait=False)
        runs = [c.run_queue(), c.run_queue()]
        for run in runs:
            finished(c, run)
        c.check()


def test_a_dead_workers_article_is_rendered_again_within_the_lease_timeout(tmp_path):
    """A whole worker SIGKILLed mid-render, Redis's visibility timeout left long: the lapsed
    render lease, not Redis, brings the article back, within lease_timeout_s plus one reconcile
    interval (plus the render); a late redelivery of the dead worker's message then changes
    nothing."""
    lease, every = 6, 2
    times = {"lease_timeout_s": lease, "reconcile_s": every, "stuck_after_s": None, "visibility_timeout_s": None}
    # A long article that takes some seconds to render, so it is killed mid-render.
    with Cluster(tmp_path, long_paragraphs=60, extra="segments_per_task = 0", times=times) as c:
        assert c.settings.visibility_timeout > 200 and c.settings.stuck_after_s > 2000  # neither can help here
        workers = [c.start_worker("a"), c.start_worker("b")]
        c.start_beat()  # apart from the workers: whichever one dies, the reconciler's passes go on
        run = c.run_queue()
        pid = rendering_pid(c)
        long_id = c.long_article()
        (doomed,) = [w for w in workers if pid in children(w.pid)]
        (survivor,) = [w for w in workers if w is not doomed]
        (dead_message,) = c.unacked(long_id)  # the one Redis would hand out again, much later
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its pool, as when a machine dies
        killed = time.monotonic()
        doomed.wait()

        wait_for(lambda: get_article(c.store(), long_id).status == "done", 120, "the article's recovery")
        recovered = time.monotonic() - killed
        print(f"recovered {recovered:.1f} s after the kill (lease_timeout_s {lease}, reconcile_s {every})")
        survivor_log = c.logs[c.workers.index(survivor)]
        passes = [x for x in survivor_log.read_text(errors="replace").splitlines() if "'requeued': [" in x]
        assert any(long_id in x.partition("'requeued'")[2] for x in passes), c.worker_log()  # the reconciler did it
        # lease_timeout_s + one pass + the pass's question to the workers + the render on a busy
        # machine, and far from the visibility timeout
        assert recovered < lease + every + 40, recovered
        finished(c, run)
        c.check()

        # The dead worker's message, handed out again as Redis would after its visibility
        # timeout: it finds the episode published and adds no version.
        task_id = json.loads(redis.Redis.from_url(c.redis.url).hget("unacked", dead_message))[0]["headers"]["id"]
        c.redeliver([dead_message])
        wait_for(lambda: f"[{task_id}] succeeded" in survivor_log.read_text(errors="replace"), 120, "the redelivery")
        (line,) = [x for x in survivor_log.read_text(errors="replace").splitlines() if f"[{task_id}] succeeded" in x]
        assert "'status': 'unchanged'" in line, line
        (episode,) = all_episodes(c.store(), long_id)
        assert episode.episode.version == 1
        c.check()
