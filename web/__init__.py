"""newsaudio's web process: one ASGI app (web.app.create_app) serving the published output and
the dynamic routes other parts add (player events, console, API)."""
