"""The last line of defence of the podcast feed: no single episode can stop it being written.

Text is cleaned where it enters (pipeline.clean), but records written before that, or a bug in
one item's rendering, must not freeze the whole feed for every later run. An item that cannot
be rendered is left out, and the reason is handed back to be recorded and shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.clean import clean_url
from pipeline.models import Episode


@dataclass
class LeftOut:
    episode: Episode
    reason: str


def safe_links(episodes: list[Episode]) -> list[Episode]:
    """Only absolute http(s) links are published; any other link is dropped from its item."""
    return [ep if clean_url(ep.link) == ep.link else dataclasses.replace(ep, link="") for ep in episodes]


def render_leaving_out(
    render: Callable[[list[Episode]], bytes], episodes: list[Episode]
) -> tuple[bytes, list[LeftOut]]:
    """``render(episodes)``; when that fails, find the items that fail alone and render the rest."""
    episodes = safe_links(episodes)
    try:
        return render(episodes), []
    except Exception:  # noqa: BLE001 - whatever one item does, the others are published
        pass
    good: list[Episode] = []
    bad: list[LeftOut] = []
    for ep in episodes:
        try:
            render([ep])
        except Exception as exc:  # noqa: BLE001
            bad.append(LeftOut(ep, f"cannot be written into the feed: {type(exc).__name__}: {exc}"))
        else:
            good.append(ep)
    return render(good), bad
