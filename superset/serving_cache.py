"""Superset's chart-data cache, keyed by the version of the serving file it was read from.

A publish replaces the serving file (a new file renamed over it), so every cached chart
result must stop being served at that moment, whether or not anyone tells Superset. This
cache is flask-caching's SimpleCache (one per worker process, in memory) with every key
prefixed by the serving file's identity (device, inode, size, modification time: one
``os.stat``): after a publish no old key is ever looked up again, and the old entries age
out (timeout, or the threshold's eviction).

The prefix a result is stored under is the one its lookup used, taken before the query
opened the file (superset/serving_pool.py opens the file the path names at that moment or
a newer one): a result is never stored under the key of an older file than the one it was
read from. Configured by superset_config.py's DATA_CACHE_CONFIG (CACHE_TYPE
``serving_cache.ServingFileCache``, CACHE_OPTIONS ``{"serving_path": ...}``).
"""

from __future__ import annotations

import threading
from typing import Any

from flask_caching.backends.simplecache import SimpleCache
from serving_pool import file_identity


class ServingFileCache(SimpleCache):
    def __init__(self, serving_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.serving_path = serving_path
        self._looked_up = threading.local()

    @classmethod
    def factory(cls, app: Any, config: dict[str, Any], args: list, kwargs: dict) -> Any:
        kwargs.update(
            threshold=config["CACHE_THRESHOLD"], ignore_errors=config["CACHE_IGNORE_ERRORS"]
        )
        return cls(*args, **kwargs)

    def version(self) -> str:
        try:
            return "-".join(f"{n:x}" for n in file_identity(self.serving_path))
        except OSError:
            return "no-serving-file"

    def _key(self, key: str, lookup: bool = False) -> str:
        if lookup:
            version = self.version()
            self._looked_up.last = (key, version)
        else:
            last = getattr(self._looked_up, "last", None)
            version = last[1] if last and last[0] == key else self.version()
        return f"{version}:{key}"

    def get(self, key: str) -> Any:
        return super().get(self._key(key, lookup=True))

    def has(self, key: str) -> bool:
        return super().has(self._key(key, lookup=True))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return super().set(self._key(key), value, timeout)

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return super().add(self._key(key), value, timeout)

    def delete(self, key: str) -> bool:
        return super().delete(self._key(key))
