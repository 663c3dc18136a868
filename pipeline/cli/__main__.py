"""``python -m pipeline.cli``: the same as the ``newsaudio`` console script."""

from pipeline.cli.main import main

raise SystemExit(main())
