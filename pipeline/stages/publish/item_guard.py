"""The last line of defence of the podcast feed: no single episode can stop it being written.

Text is cleaned where it enters (pipeline.clean), but records written before that, or a bug in
one item's rendering, must not freeze the whole feed for every later run. An item that cannot
be rendered is left out, and the reason is handed back to be recorded and shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.models import Episode
from pipeline.stages.clean import clean_url


@dataclass
class LeftOut:
    episode: Episode
    reason: str


def safe_links(episodes: list[Episode]) -> list[Episode]:
    """Only absolute http(s) links are published; any other link is dropped from its item."""
    return [ep if clean_url(ep.link) == ep.link else dataclasses.replace(ep, link="") for ep in episodes]


def render_each(
    render: Callable[[Episode], bytes], episodes: list[Episode]
) -> tuple[list[tuple[Episode, bytes]], list[LeftOut]]:
    """``render`` each episode (links made safe first); one that fails is left out with why."""
    done: list[tuple[Episode, bytes]] = []
    bad: list[LeftOut] = []
    for ep in safe_links(episodes):
        try:
            done.append((ep, render(ep)))
        except Exception as exc:  # noqa: BLE001 - whatever one item does, the others are published
            bad.append(LeftOut(ep, f"cannot be written into the feed: {type(exc).__name__}: {exc}"))
    return done, bad
