"""The editors' console's route table: server-rendered pages (Jinja2, autoescaped) that web.app
mounts under /console. Every page needs a login, every state change a CSRF token (web.console.auth).

The handlers read the settings, store, dispatcher, templates and login limits from ``request.app.state``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.console import admin, articles, lexicon, login, stats

routes: list[BaseRoute] = [
    Route("/", articles.index),
    Route("/login", login.login, methods=["GET", "POST"]),
    Route("/logout", login.logout, methods=["POST"]),
    Route("/setup/{secret}", login.setup, methods=["GET", "POST"]),
    Route("/language", login.choose_language),
    Route("/articles", articles.articles),
    Route("/articles/{article_id}", articles.article),
    Route("/articles/{article_id}/action", articles.article_action, methods=["POST"]),
    Route("/articles/{article_id}/withdraw", articles.withdraw, methods=["GET", "POST"]),
    Route("/articles/{article_id}/voice", articles.article_voice, methods=["POST"]),
    Route("/articles/{article_id}/paragraph", articles.article_paragraph, methods=["POST"]),
    Route("/jobs/{job_id}", articles.job_status),
    Route("/failures", articles.failures),
    Route("/failures/retry", articles.retry, methods=["POST"]),
    Route("/failures/ignore", articles.ignore, methods=["POST"]),
    Route("/stats", stats.reach),
    Route("/lexicon", lexicon.lexicon_page),
    Route("/lexicon/check", lexicon.lexicon_check, methods=["POST"]),
    Route("/lexicon/preview", lexicon.lexicon_preview, methods=["POST"]),
    Route("/lexicon/save", lexicon.lexicon_save, methods=["POST"]),
    Route("/lexicon/history", lexicon.lexicon_history),
    Route("/lexicon/restore", lexicon.lexicon_restore, methods=["POST"]),
    Route("/admin/users", admin.users, methods=["GET", "POST"]),
    Route("/admin/tokens", admin.tokens, methods=["GET", "POST"]),
    Route("/admin/webhooks", admin.hooks, methods=["GET", "POST"]),
    Route("/admin/audit", admin.audit),
]
