"""The voices tests build and load neural voices (tiny random-weight models in a temporary
TTS_HOME). A process keeps a loaded voice for good, so each module forgets them when it ends:
later tests, which expect the house voice's model to be missing on a CI machine, must not get
a voice that was only ever a test's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from voices import clear_loaded_voices


@pytest.fixture(autouse=True, scope="module")
def _forget_loaded_voices() -> Iterator[None]:
    yield
    clear_loaded_voices()
