"""The JSON API's route table for the CMS, which web.app mounts under /api/v1 (a Bearer token
with scopes, web.api.auth; docs at /api/v1/docs).

The handlers read the settings, store and dispatcher from ``request.app.state``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.api import articles, docs, lexicon

routes: list[BaseRoute] = [
    Route("/openapi.json", docs.openapi),
    Route("/docs", docs.docs),
    Route("/articles", articles.push, methods=["POST"]),
    Route("/articles/{article_id}", articles.article, methods=["GET", "DELETE"]),
    Route("/articles/{article_id}/regenerate", articles.regenerate, methods=["POST"]),
    Route("/articles/{article_id}/withdraw", articles.withdraw, methods=["POST"]),
    Route("/articles/{article_id}/restore", articles.restore, methods=["POST"]),
    Route("/jobs/{job_id}", articles.get_job),
    Route("/lexicon", lexicon.get_lexicon),
    Route("/lexicon/entries", lexicon.add_entry, methods=["POST"]),
    Route("/lexicon/entries/{match}", lexicon.entry, methods=["PUT", "DELETE"]),
]
