"""Benchmarks, run on demand (`make bench`): print measured figures, assert nothing.

- the eleven real data.police.uk files: load time (ingest library) and rows per second
- demo data at --scale: generation, the whole build (ingest, dbt build, publish)
- `--ingest-rows N`: `csp load` of one N-row police.uk file against DuckDB's own
  `CREATE TABLE AS SELECT * FROM read_csv(...)` of the same file, time and peak memory
  (`make bench-ingest`: 5,000,000 rows, about 1.1 GB)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
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


def write_police_file(out: Path, rows: int) -> None:
    """An N-row file in the data.police.uk street format: the real files' rows, repeated,
    each repeat's crime IDs made new (a published file's IDs are unique but for a few)."""
    files = sorted((SHARED / "realdata" / "police_uk").glob("*-street.csv"))
    header = files[0].read_text(encoding="utf-8").splitlines()[0]
    body = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()[1:]]
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n")
        written, repeat = 0, 0
        while written < rows:
            for line in body[: rows - written]:
                crime_id, rest = line.split(",", 1)
                if crime_id and repeat:
                    crime_id = hashlib.sha256(f"{crime_id}{repeat}".encode()).hexdigest()
                fh.write(f"{crime_id},{rest}\n")
            written += min(len(body), rows - written)
            repeat += 1


# Each measurement runs in a fresh interpreter that reports its own wall time and peak
# resident memory (ru_maxrss counts DuckDB's threads: they share the process).
_MEASURE = """
import json, resource, sys, time
t0 = time.perf_counter()
{body}
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": time.perf_counter() - t0, "cpu": use.ru_utime + use.ru_stime,
                  "peak_mib": use.ru_maxrss / 1024}}))
"""
_DUCKDB_CTAS = """
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{sys.argv[2]}')")
con.close()
"""
_CSP_LOAD = """
from orchestration.cli import main
rc = main(["load", "police_street", sys.argv[2]])
assert rc == 0, rc
"""


def _measure(body: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(body=body), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_ingest(rows: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        csv_path = root / "2019-01-national-street.csv"
        t0 = time.perf_counter()
        write_police_file(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"ingest: {rows:,} rows, {size_mb:,.0f} MB, written in {time.perf_counter() - t0:.1f} s"
        )
        for run in range(1, runs + 1):
            ref_db = root / f"ref{run}.duckdb"
            ref = _measure(_DUCKDB_CTAS, str(ref_db), str(csv_path))
            ref_db.unlink()
            data = root / f"data{run}"
            env = {
                "CSP_DATA_DIR": str(data),
                "CSP_LANDING_DIR": str(data / "landing"),
                "CSP_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
                "CSP_DEMO": "1",
            }
            csp = _measure(_CSP_LOAD, "", str(csv_path), env=env)
            shutil.rmtree(data)
            print(
                f"ingest run {run}: duckdb read_csv into a table {ref['seconds']:.1f} s "
                f"(CPU {ref['cpu']:.1f} s), {ref['peak_mib']:,.0f} MiB peak; csp load "
                f"{csp['seconds']:.1f} s (CPU {csp['cpu']:.1f} s), {csp['peak_mib']:,.0f} MiB "
                f"peak; ratio {csp['seconds'] / ref['seconds']:.2f}x time, "
                f"{csp['cpu'] / ref['cpu']:.2f}x CPU, "
                f"{csp['peak_mib'] / ref['peak_mib']:.2f}x memory"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="demo volume multiplier")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument(
        "--ingest-rows",
        type=int,
        default=0,
        help="only the ingest comparison, on a police.uk file of this many rows",
    )
    parser.add_argument("--runs", type=int, default=2, help="ingest comparison runs")
    args = parser.parse_args()
    if args.ingest_rows:
        bench_ingest(args.ingest_rows, args.runs)
        return
    bench_real_files()
    if not args.skip_demo:
        bench_demo_build(args.scale)


if __name__ == "__main__":
    main()
