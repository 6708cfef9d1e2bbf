"""The one way this project starts gunicorn: its settings ship inside the package.

``taizhang serve``, ``taizhang load --serve`` and the tests that need a real server all
launch it from here, so an installed copy serves exactly as a checkout does.
"""

from __future__ import annotations

import sys

# gunicorn reads settings from an importable module with the ``python:`` prefix.
GUNICORN_CONFIG = "python:taizhang.gunicorn_conf"


def gunicorn_argv() -> list[str]:
    """The command line that runs gunicorn with this project's settings."""
    return [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG]
