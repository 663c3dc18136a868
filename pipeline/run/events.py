"""Who hears which stage an article enters (fetch, extract, speech, synthesis, master, publish):
the CLI's progress listens; workers pay nothing. A context variable, so the stage functions
keep their signatures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from voices import Voice

# (article id, title, stage, detail): who hears which stage an article enters, e.g. the CLI's
# progress. A context variable, so the stage functions keep their signatures and workers pay nothing.
StageCallback = Callable[[str, str, str, str], None]


_on_stage: ContextVar[StageCallback | None] = ContextVar("newsaudio_on_stage", default=None)


@contextmanager
def reporting_stages(callback: StageCallback | None) -> Iterator[None]:
    """Call ``callback`` each time an article enters a stage (fetch, extract, speech,
    synthesis, master, publish) inside this block."""
    token = _on_stage.set(callback)
    try:
        yield
    finally:
        _on_stage.reset(token)


def report_stage(article_id: str, title: str, stage: str, detail: str = "") -> None:
    callback = _on_stage.get()
    if callback is not None:
        callback(article_id, title, stage, detail)


class _CountingVoice:
    """The voice, telling the stage listener each time it has spoken a segment: synthesis of a
    long article takes minutes, and an operator should see it move."""

    def __init__(self, voice: Voice, report: Callable[[int], None]) -> None:
        self._voice = voice
        self._report = report
        self._spoken = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._voice, name)

    def synthesize(self, *args: object, **kwargs: object) -> np.ndarray:
        pcm = self._voice.synthesize(*args, **kwargs)
        self._spoken += 1
        self._report(self._spoken)
        return pcm


def counting(voice: Voice, article_id: str, title: str, total: int) -> Voice:
    if _on_stage.get() is None:
        return voice  # nobody listens (a worker): the voice itself
    report = lambda n: report_stage(article_id, title, "synthesis", f"{n}/{total} segments spoken")  # noqa: E731
    return _CountingVoice(voice, report)  # type: ignore[return-value]
