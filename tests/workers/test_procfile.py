"""What `make worker` (honcho + the Procfile) starts: each queue served, each worker's size stated,
and the synth processes bounded in memory by the setting."""

from __future__ import annotations

import shlex

from honcho.environ import parse_procfile

from pipeline.config import Settings
from tests.conftest import REPO
from workers.app import make_app


def celery_workers() -> dict[str, list[str]]:
    processes = parse_procfile((REPO / "Procfile").read_text(encoding="utf-8")).processes
    return {name: shlex.split(command) for name, command in processes.items()
            if "celery" in command and " worker " in f" {command} "}


def option(argv: list[str], flag: str) -> str:
    assert flag in argv, f"{' '.join(argv)} does not state {flag}"
    return argv[argv.index(flag) + 1]


def test_every_queue_has_one_worker_with_a_stated_concurrency() -> None:
    workers = celery_workers()
    queues = {name: option(argv, "-Q").split(",") for name, argv in workers.items()}
    served = [q for qs in queues.values() for q in qs]
    assert sorted(served) == ["default", "synth"], queues  # each queue once: I/O and CPU apart
    for argv in workers.values():
        assert int(option(argv, "-c")) >= 1
    synth = next(argv for name, argv in workers.items() if queues[name] == ["synth"])
    assert int(option(synth, "-c")) == 2  # one process per core on the 2-core reference machine
    # Two workers on one machine need their own node names, or Celery refuses the second.
    names = [option(argv, "-n") for argv in workers.values()]
    assert len(set(names)) == len(names)


def test_worker_processes_are_replaced_past_the_memory_bound() -> None:
    assert make_app(Settings(synth_max_memory_mb=600)).conf.worker_max_memory_per_child == 600 * 1024
    assert make_app(Settings(synth_max_memory_mb=0)).conf.worker_max_memory_per_child is None
