"""Workers die mid-synthesis, or two of everything run at once: every article is still
published exactly once, the feed matches its files, nothing half-written stays, and
`run --queue` ends by itself."""

from __future__ import annotations

import os
import signal
import subprocess

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
