"""A long article spoken by several synth workers at once: how many parts it is worth, and one
part spoken and mastered on its own (the render joins the parts' MP3s)."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.models import Script
from pipeline.run.lexicon import current_lexicon
from pipeline.run.steps import (
    as_chosen,
    audio_key,
    disclosure_for,
    master_speech,
    script_for,
    segment_cache,
    spool_for,
)
from pipeline.stages import fragments, split
from pipeline.state.articles import get_article
from pipeline.state.articles import language_guesses as stored_guesses
from pipeline.state.store import Store, open_store
from voices import load_voice, real_time_factor, speak


def plan_parts(article_id: str, settings: Settings, store: Store | None = None) -> int:
    """How many synth tasks should speak this article in parallel (1 = render it directly)."""
    store = store or open_store(settings)
    row = get_article(store, article_id)
    article, voice_name = as_chosen(store, article_id, row.article(), settings)
    if article is None or row.status not in ("prepared", "done") or settings.segments_per_task <= 0:
        return 1
    voice = load_voice(voice_name, settings)
    lexicon = current_lexicon(settings, store)
    disclosure = disclosure_for(settings, row.feed)  # the render speaks it: so do the parts
    script = script_for(article, settings, voice, lexicon, disclosure=disclosure, guesses=stored_guesses(row))
    count = len(script.segments)
    if count <= settings.segments_per_task:
        return 1
    if audio_key(store, article_id, article, script, voice, lexicon, settings, disclosure=disclosure)[2]:
        return 1  # its audio is published already: the render says "unchanged"
    # Only a voice slow enough that synthesis is the bulk is worth splitting.
    factor = real_time_factor(voice)
    return split.parts_for(count, settings.segments_per_task, factor, settings.split_min_rtf)


def speak_part(article_id: str, part: int, parts: int, settings: Settings, store: Store | None = None) -> int:
    """Speak one contiguous part of an article (cut between blocks) into the sentence cache
    and master it on its own: rendering joins the parts' MP3s (pipeline/fragments.py), so
    mastering is spread over the workers like synthesis. Returns how many segments it
    synthesised."""
    store = store or open_store(settings)
    row = get_article(store, article_id)
    article, voice_name = as_chosen(store, article_id, row.article(), settings)
    if article is None:
        return 0
    voice = load_voice(voice_name, settings)
    lexicon = current_lexicon(settings, store)
    disclosure = disclosure_for(settings, row.feed)
    script = script_for(article, settings, voice, lexicon, disclosure=disclosure, guesses=stored_guesses(row))
    bounds = split.part_bounds(script.segments, parts)
    if part >= len(bounds) - 1:
        return 0  # fewer blocks than parts: the others speak it all
    key, _, unchanged = audio_key(store, article_id, article, script, voice, lexicon, settings, disclosure=disclosure)
    target = fragments.path(settings, article_id, key, part, len(bounds) - 1)
    if unchanged or fragments.done(settings, target):
        return 0  # the audio is published already, or this part is done (a redelivered task)
    share = Script(script.segments[bounds[part] : bounds[part + 1]], script.lexicon_version, script.language)
    with spool_for(settings) as spool:
        pcm, stats = speak(share, voice, segment_cache(settings), into=spool)
        mastered = master_speech(share, pcm, voice, None, settings)
    fragments.save(target, mastered)
    fragments.share(settings, target)  # to the parts bucket, when the workers share one
    return stats.synthesised
