"""Saying that the audio is synthetic: the words listeners, apps and machines get.

Every episode is synthetic speech (EU AI Act Art. 50; Apple Podcasts requires disclosure in
the audio and the metadata). The spoken sentence is a segment of its own (block
DISCLOSURE_BLOCK, outside the article's numbering), so transcripts mark it, chapters and
read-along ignore it; the notes here go into item and channel descriptions, ID3 tags,
transcripts and the player data, and name the voice that actually spoke (the fallback as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The disclosure's paragraph marker: not an article block (title 0, lead 1, ...), so nothing
# that numbers, highlights or chapters the article's paragraphs counts it.
DISCLOSURE_BLOCK = -1
# The kind its transcript cue carries (its Segment is a plain "paragraph" in block -1).
DISCLOSURE_KIND = "disclosure"
DEFAULT_DISCLOSURE = "Dieser Beitrag wird von einer künstlichen Stimme vorgelesen."
# Said of a whole podcast, where the per-item sentence ("Dieser Beitrag ...") would not fit.
CHANNEL_NOTE = "Alle Beiträge werden von einer künstlichen Stimme (Sprachsynthese) vorgelesen."


@dataclass(frozen=True)
class SyntheticVoice:
    """The voice that spoke an episode, as it is disclosed."""

    name: str  # a human name ("Thorsten (male, German), Coqui VITS")
    identity: str  # profile + engine + model digest, as the episode records it
    engine: str  # espeak | coqui | piper
    is_fallback: bool | None = False  # None: not known (data rebuilt from a bare voice identity)
    disclosure: str = DEFAULT_DISCLOSURE  # the feed's wording of the sentence

    @property
    def label(self) -> str:
        """The voice's name, a fallback named as such (it was not the voice chosen)."""
        if self.is_fallback:
            return f"{self.name} (Ersatzstimme: die vorgesehene Stimme war nicht verfügbar)"
        return self.name

    def note(self) -> str:
        """One paragraph for descriptions and ID3 comments: synthetic, and which voice."""
        sentence = self.disclosure.strip() or DEFAULT_DISCLOSURE
        if sentence[-1:] not in ".!?":
            sentence += "."
        return f"{sentence} Synthetische Stimme: {self.label}."

    def to_dict(self) -> dict[str, Any]:
        return {"synthetic": True, "name": self.name, "identity": self.identity, "engine": self.engine,
                "is_fallback": self.is_fallback, "disclosure": self.disclosure}


def voice_from_identity(identity: str, *, is_fallback: bool | None = None) -> SyntheticVoice:
    """What an episode record alone says of its voice (identity is profile+engine+digest):
    for data written from the store, where the human name is not kept. Whether it was the
    fallback is not in the identity: None (unknown) unless the caller knows."""
    profile, _, rest = identity.partition("+")
    engine = rest.partition("+")[0]
    return SyntheticVoice(name=profile or identity, identity=identity, engine=engine, is_fallback=is_fallback)


def with_note(description: str, voice: SyntheticVoice) -> str:
    """An item description that says the audio is synthetic and who spoke it."""
    note = voice.note()
    return f"{description.rstrip()}\n\n{note}" if description.strip() else note


def channel_description(description: str) -> str:
    """The channel description, saying that every episode is synthetic (once: a newsroom that
    wrote it already is not repeated)."""
    text = description.strip()
    if "künstliche" in text.lower() or "synthet" in text.lower():
        return text
    return f"{text} {CHANNEL_NOTE}" if text else CHANNEL_NOTE
