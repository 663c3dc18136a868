"""Publish episodes: MP3 files, the podcast RSS feed and the website's player data, written
atomically into output/.

A podcast app or the website may read output/ at any moment, so every file is written to a
temp name in the same folder, flushed, and renamed over the old one (pipeline/files.py). The
feed is rendered whole from the episode records each time, never patched.

``names`` (where each file lives and its URL), ``rss`` (the feed and its items),
``item_guard`` (one bad item never stops the feed), ``player`` (per-article player data and the
feed's index), ``transcripts`` (timed text and chapters), ``output`` (writing, retiring and
bringing back files).
"""
