"""The WSGI entry point gunicorn loads: settings from the environment.

``TAIZHANG_EMBEDDED_PROJECTIONS=1`` (set by ``taizhang serve --embedded``) runs the
projection worker inside this process, for the single-process SQLite setup (each district's,
in a province).
"""

from __future__ import annotations

import os

from taizhang.api import create_app
from taizhang.api.province import create_province_app
from taizhang.config import Settings

_settings = Settings.from_env()
_embedded = os.environ.get("TAIZHANG_EMBEDDED_PROJECTIONS") == "1"
# With TAIZHANG_DISTRICTS, every district's ledger under /districts/<key>/ and the province's
# roll-up (taizhang.api.province); without, the one ledger as always.
app = (
    create_province_app(_settings, start_projections=_embedded)
    if _settings.districts_file
    else create_app(_settings, start_projections=_embedded)
)
