"""What pages keep between requests in a process, so a page costs little more than the JSON
views it is drawn from.

- **Fragments**: the rendered body of an overview (its figures, charts and ranking) under a
  key of everything it is drawn from: the views' tags (their ETags, which change exactly
  when their JSON does), the page's path and arguments, the language and the directory of
  the signed-in token. The same key always renders the same body, so a kept body is the
  body rendering would give; nothing that differs per session (the CSRF token, who is
  signed in) is in it.
- **The directory** (``GET /api/v1/me``) of each token, for at most a second: names of the
  committees and campaigns a page shows, as fresh as the API's scope checks
  (``taizhang.api.scope.SCOPE_MAX_AGE_SECONDS``).
- **The vocabularies**, which are fixed in the code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

from taizhang.lru import LRU

FRAGMENTS = 512
DIRECTORIES = 1_000
DIRECTORY_SECONDS = 1.0
_KEY = "taizhang.pages"


class PageCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fragments: LRU[Hashable, Markup] = LRU(FRAGMENTS)
        self._directories: LRU[Hashable, tuple[float, Any, str]] = LRU(DIRECTORIES)
        self._vocabularies: Any = None

    def fragment(self, key: Hashable, render: Callable[[], str]) -> Markup:
        with self._lock:
            found = self._fragments.get(key)
        if found is None:
            found = Markup(render())
            with self._lock:
                self._fragments.put(key, found)
        return found

    def directory(self, key: Hashable, load: Callable[[], tuple[Any, str]]) -> tuple[Any, str]:
        """The directory and its tag for ``key`` (a token's id), read again after a second."""
        now = time.monotonic()
        with self._lock:
            found = self._directories.get(key)
        if found is not None and found[0] > now:
            return found[1], found[2]
        value, tag = load()
        with self._lock:
            self._directories.put(key, (now + DIRECTORY_SECONDS, value, tag))
        return value, tag

    def vocabularies(self, load: Callable[[], Any]) -> Any:
        if self._vocabularies is None:
            self._vocabularies = load()
        return self._vocabularies


def install(app: Flask) -> None:
    app.extensions[_KEY] = PageCache()


def page_cache() -> PageCache:
    found: PageCache = current_app.extensions[_KEY]
    return found
