"""What goes wrong with a voice: a profile or engine that cannot speak, a model not on disk."""

from __future__ import annotations


class VoiceError(Exception):
    """A voice cannot be loaded or used; the message says what to do about it."""


class ModelMissing(VoiceError):
    """The profile's model files are not on this machine."""
