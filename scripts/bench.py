"""Benchmarks, run on demand (`make bench`): print measured figures, assert nothing.

- the eleven real data.police.uk files: load time (ingest library) and rows per second
- demo data at --scale: generation, the whole build (ingest, dbt build, publish)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CSP_SHARED_DIR", REPO.parent / "shared"))


def _fresh_env(root: Path) -> None:
    data = root / "data"
    (data / "landing").mkdir(parents=True)
    os.environ.update(
        CSP_DATA_DIR=str(data),
        CSP_LANDING_DIR=str(data / "landing"),
        CSP_WAREHOUSE_PATH=str(data / "warehouse.duckdb"),
        CSP_DEMO="1",
    )
    os.environ.pop("DAGSTER_HOME", None)


def bench_real_files() -> None:
    from ingest.config import Settings
    from ingest.load import load_landing

    files = sorted((SHARED / "realdata" / "police_uk").glob("*-street.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        _fresh_env(Path(tmp))
        settings = Settings.from_env()
        folder = settings.landing_dir / "police_street"
        folder.mkdir(parents=True)
        for f in files:
            shutil.copy(f, folder / f.name)
        t0 = time.perf_counter()
        results = load_landing(settings)
        elapsed = time.perf_counter() - t0
        rows = sum(r.rows_loaded for r in results)
        t1 = time.perf_counter()
        load_landing(settings)
        again = time.perf_counter() - t1
    print(
        f"real police files: {len(files)} files, {rows} rows loaded in {elapsed:.1f} s "
        f"({rows / elapsed:,.0f} rows/s); reloading the same files (all skipped): {again:.2f} s"
    )


def bench_demo_build(scale: float) -> None:
    from demo import generate
    from orchestration import build

    with tempfile.TemporaryDirectory() as tmp:
        _fresh_env(Path(tmp))
        t0 = time.perf_counter()
        generate(Path(os.environ["CSP_LANDING_DIR"]), scale=scale)
        gen = time.perf_counter() - t0
        t1 = time.perf_counter()
        rc = build.main([])
        total = time.perf_counter() - t1
    print(
        f"demo data at scale {scale}: generated in {gen:.1f} s; "
        f"whole build (ingest, dbt build, publish) {total:.1f} s, exit {rc}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="demo volume multiplier")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    bench_real_files()
    if not args.skip_demo:
        bench_demo_build(args.scale)


if __name__ == "__main__":
    main()
