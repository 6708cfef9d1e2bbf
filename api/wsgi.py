"""The WSGI entry point gunicorn loads: settings from the environment.

``TAIZHANG_EMBEDDED_PROJECTIONS=1`` (set by ``taizhang serve --embedded``) runs the
projection worker inside this process, for the single-process SQLite setup.
"""

from __future__ import annotations

import os

from api import create_app

app = create_app(start_projections=os.environ.get("TAIZHANG_EMBEDDED_PROJECTIONS") == "1")
