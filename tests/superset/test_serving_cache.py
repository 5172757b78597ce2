"""superset/serving_cache.py in Superset's own Python (flask-caching is Superset's): a
cached chart result is never served once a publish has replaced the serving file, and a
result is stored under the version its lookup saw."""

from __future__ import annotations

import subprocess
import textwrap

from conftest import SUPERSET_DIR

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    sys.path.append(sys.argv[1])
    from serving_cache import ServingFileCache

    serving = Path(sys.argv[2])

    def publish(text):
        new = serving.with_name(".serving.new")
        new.write_text(text)
        os.replace(new, serving)

    publish("first")
    cache = ServingFileCache(str(serving), threshold=10, default_timeout=300)
    assert cache.get("chart") is None
    cache.set("chart", "figures of the first file")
    assert cache.get("chart") == "figures of the first file"
    assert cache.has("chart")

    publish("second, a new file")
    assert cache.get("chart") is None, "a replaced file's result was served"
    assert not cache.has("chart")
    cache.set("chart", "figures of the second file")
    assert cache.get("chart") == "figures of the second file"

    # A publish between a lookup and the store of its result: the result is stored under
    # the version the lookup saw, never under the new file's.
    assert cache.get("other") is None
    publish("third")
    cache.set("other", "read while the second was published")
    assert cache.get("other") is None
    cache.delete("chart")
    serving.unlink()
    assert cache.get("chart") is None
    print("ok")
    """
)


def test_a_publish_ends_every_cached_result(tmp_path):
    out = subprocess.run(
        [
            str(SUPERSET_DIR / ".venv" / "bin" / "python"),
            "-c",
            SCRIPT,
            str(SUPERSET_DIR),
            str(tmp_path / "serving.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr
