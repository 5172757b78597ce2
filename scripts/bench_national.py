"""National benchmark, run on demand (`make bench-national`): print measured figures, assert
nothing (a benchmark, not a test).

1. Generates data.police.uk street-level files (scripts/national_data.py: every English
   force, --months ending at --end-month, real LSOAs) into a fresh landing folder, and the
   --increments months after --end-month for every force, held back.
2. (a) `csp build` (python -m orchestration.build: ingest, dbt build, publish) on a fresh
   data folder, CSP_DEMO=0 with a throwaway pseudonym key: wall time, the build's own phase
   timings, peak memory (the largest process, GNU time's maximum RSS, and the whole process
   tree's sampled RSS sum).
   (b1, b2, ...) Each held month delivered into the landing folder in turn, then `csp build`
   again: landing to published, the same figures. The first also recomputes the scorecard
   chain whole (it reads the publish history, which the full build's publish filled with
   every figure's first report); the second is a month like every later one.
   (c) The serving file's size (and the warehouse's).
   (d) Superset on the national serving file (superset/serve.py, as `make up` and the
   Superset tests start it, outside demo mode with throwaway secrets): for every chart of
   every dashboard, POSTs to /api/v1/chart/data with the chart's saved query context (as
   admin; with the product's result cache, --superset-env SUPERSET_CACHE_SECONDS=0 for
   none): the first call (cold: nothing cached), then --calls more, their p50 and p95 and
   the server's CPU time per call (its
   process tree's user + system time: what the load of other jobs does not change); then
   the serving file is replaced as a publish replaces it and every chart's first call after
   that is timed.
   (e) Rows loaded (the builds' summaries).
   (f) Ingest's fixed cost per file: --overhead-files tiny files (a few rows each) loaded
   through the ingest library on an empty warehouse.

    .venv/bin/python scripts/bench_national.py                   # 39 forces x 120 months
    .venv/bin/python scripts/bench_national.py --forces kent,cumbria,dorset --months 24
    .venv/bin/python scripts/bench_national.py --work /tmp/nb    # keeps its work folder
    .venv/bin/python scripts/bench_national.py --serving /tmp/nb/data/serving.duckdb  # only (d)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO))

import national_data  # noqa: E402

GNU_TIME = "/usr/bin/time"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(data: Path, superset_port: int) -> dict[str, str]:
    """A fresh data folder outside demo mode; none of the caller's warehouse, Dagster, dbt
    or Superset settings (as tests/superset/conftest.py's clean_environ). SUPERSET_PORT is a
    free port, so the build's Superset refresh finds nothing running there and skips."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUPERSET_", "CSP_", "DAGSTER_", "DBT_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(
        CSP_DATA_DIR=str(data),
        CSP_LANDING_DIR=str(data / "landing"),
        CSP_WAREHOUSE_PATH=str(data / "warehouse.duckdb"),
        CSP_DEMO="0",
        CSP_PSEUDONYM_KEY=secrets.token_hex(32),  # police_street has no person field
        SUPERSET_PORT=str(superset_port),
    )
    return env


class TreeMemory:
    """Samples the summed RSS of a process and all its descendants (every 0.2 s)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                pages = int(Path(f"/proc/{entry.name}/statm").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                continue
            fields = stat.rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = pages * self._page
        tree, grew = {self.pid}, True
        while grew:
            more = {p for p, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        return sum(rss.get(p, 0) for p in tree)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._stop.wait(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_build(env: dict[str, str], log: Path) -> dict:
    """`python -m orchestration.build` under GNU time; wall time, peak memory, the summary's
    figures. The build's output goes to `log`."""
    timed = Path(str(log) + ".time")
    cmd = [sys.executable, "-m", "orchestration.build"]
    if Path(GNU_TIME).exists():
        cmd = [GNU_TIME, "-v", "-o", str(timed), *cmd]
    started = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
        tree = TreeMemory(proc.pid)
        rc = proc.wait()
    wall = time.monotonic() - started
    out = log.read_text()
    figures: dict = {"exit": rc, "wall": wall, "tree_peak": tree.stop(), "log": log}
    if timed.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timed.read_text())
        figures["max_rss"] = int(m.group(1)) * 1024 if m else None
    m = re.search(
        r"^files: (\d+) loaded, (\d+) skipped .*?, (\d+) rejected; (\d+) rows loaded", out, re.M
    )
    if m:
        figures.update(
            zip(("loaded", "skipped", "rejected", "rows"), map(int, m.groups()), strict=True)
        )
    m = re.search(r"^elapsed: ([\d.]+) s(?: \((.*)\))?$", out, re.M)
    if m:
        figures["elapsed"] = float(m.group(1))
        figures["phases"] = m.group(2) or ""
    m = re.search(r"^ingest police_street: .*\(([\d.]+) s\)$", out, re.M)
    if m:
        figures["ingest_street"] = float(m.group(1))
    m = re.search(r"^result: (\w+)", out, re.M)
    figures["result"] = m.group(1) if m else "?"
    return figures


def mib(n: float | None) -> str:
    return "?" if n is None else f"{n / 2**20:,.0f} MiB"


def print_build(label: str, f: dict) -> None:
    print(
        f"{label}: {f['wall']:.1f} s wall, exit {f['exit']} ({f['result']}); "
        f"peak memory {mib(f.get('max_rss'))} (largest process), "
        f"{mib(f['tree_peak'])} (process tree, sampled)",
        flush=True,
    )
    print(
        f"  files: {f.get('loaded', '?')} loaded, {f.get('skipped', '?')} skipped, "
        f"{f.get('rejected', '?')} rejected; {f.get('rows', 0):,} rows loaded",
        flush=True,
    )
    if "elapsed" in f:
        print(f"  build's own timing: {f['elapsed']:.1f} s ({f['phases']})", flush=True)
    if f.get("loaded") and "ingest_street" in f:
        per = f["ingest_street"] / f["loaded"]
        rate = f.get("rows", 0) / f["ingest_street"] if f["ingest_street"] else 0
        print(
            f"  ingest police_street {f['ingest_street']:.1f} s: {per:.2f} s per file, "
            f"{rate:,.0f} rows/s",
            flush=True,
        )
    if f["exit"] != 0:
        print(f"  (the build failed: see {f['log']})", flush=True)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants
    (living ones): the Superset server's own work, whatever else the machine runs."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(p, 0.0) for p in tree)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def bench_superset(
    env: dict[str, str], data: Path, calls: int, settings: dict[str, str] | None = None
) -> None:
    """Start Superset on the serving file (superset/serve.py), time every dashboard chart's
    saved query: its first call (cold: for the first chart of a worker that includes
    opening the serving file), then --calls more (warm); then the serving file is replaced
    as a publish replaces it (a copy renamed over it) and every chart's first call after
    that is timed (the reopen of the new file)."""
    sys.path.insert(0, str(REPO / "superset"))
    from provision import Client  # superset/provision.py (requests and yaml)

    password = secrets.token_urlsafe(16)
    env = {
        **env,
        "SUPERSET_SECRET_KEY": secrets.token_urlsafe(42),
        "SUPERSET_ADMIN_PASSWORD": password,
        "SUPERSET_WORKERS": env.get("SUPERSET_WORKERS", "2"),
        **(settings or {}),
    }
    log = data / "superset.log"
    url = f"http://127.0.0.1:{env['SUPERSET_PORT']}"
    serve = [sys.executable, str(REPO / "superset" / "serve.py")]
    if (REPO / "superset" / ".venv" / "bin" / "superset").exists():
        serve.append("--no-install")
    started = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            serve, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        while "Superset ready" not in log.read_text():
            if proc.poll() is not None or time.monotonic() - started > 900:
                print(f"superset: did not start (see {log}):\n{log.read_text()[-3000:]}")
                return
            time.sleep(1)
        print(
            f"superset: ready in {time.monotonic() - started:.0f} s on {url} "
            f"({env['SUPERSET_WORKERS']} workers; data cache "
            f"{'off' if env.get('SUPERSET_CACHE_SECONDS') == '0' else 'on'}; "
            f"settings {settings or 'default'})",
            flush=True,
        )
        admin = Client(url, "admin", password)
        # What any authenticated API call costs, for comparison: no query behind it.
        base = []
        for _ in range(calls):
            t0 = time.perf_counter()
            admin.s.get(f"{url}/api/v1/me/", timeout=60).raise_for_status()
            base.append(time.perf_counter() - t0)
        print(
            f"baseline GET /api/v1/me/: p50 {percentile(base, 0.5) * 1000:.1f} ms, "
            f"p95 {percentile(base, 0.95) * 1000:.1f} ms ({calls} calls)",
            flush=True,
        )

        def call(body: dict) -> tuple[float, int | None, str | None]:
            t0 = time.perf_counter()
            r = admin.s.post(f"{url}/api/v1/chart/data", json=body, timeout=120)
            elapsed = time.perf_counter() - t0
            if r.status_code != 200:
                return elapsed, None, f"HTTP {r.status_code}: {r.text[:200]}"
            result = r.json()["result"][0]
            return elapsed, result.get("rowcount"), result.get("error")

        dashboards = sorted(admin.list_all("/api/v1/dashboard/"), key=lambda d: d["id"])
        bodies: list[tuple[str, dict]] = []
        overall: list[float] = []
        firsts: list[float] = []
        cpus: list[float] = []
        worst: list[tuple[float, str]] = []
        for d in dashboards:
            charts = admin.req("GET", f"/api/v1/dashboard/{d['id']}/charts")["result"]
            print(f"dashboard {d['dashboard_title']!r}: {len(charts)} charts", flush=True)
            for chart in sorted(charts, key=lambda c: c["id"]):
                saved = admin.req("GET", f"/api/v1/chart/{chart['id']}")["result"]
                if not saved.get("query_context"):
                    print(f"  {chart['slice_name']}: no saved query context, skipped")
                    continue
                body = json.loads(saved["query_context"])
                name = f"{d['dashboard_title']} / {chart['slice_name']}"
                bodies.append((name, body))
                first, rows, error = call(body)
                firsts.append(first)
                times: list[float] = []
                cpu0 = tree_cpu(proc.pid)
                for _ in range(calls):
                    if error:
                        break
                    elapsed, _rows, error = call(body)
                    times.append(elapsed)
                cpu = (tree_cpu(proc.pid) - cpu0) / max(1, len(times)) * 1000
                cpus.append(cpu)
                p50 = percentile(times, 0.5) * 1000 if times else float("nan")
                p95 = percentile(times, 0.95) * 1000 if times else float("nan")
                overall += times
                worst.append((p95, name))
                print(
                    f"  {chart['slice_name'][:56]:<56} first {first * 1000:7.1f} ms  "
                    f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  server CPU {cpu:5.1f} ms/call  "
                    f"({len(times)} calls, {rows} rows)" + (f"  ERROR {error}" if error else ""),
                    flush=True,
                )
        if overall:
            over = sum(1 for p95, _ in worst if p95 > 100)
            print(
                f"chart data, all charts: p50 {percentile(overall, 0.5) * 1000:.1f} ms, "
                f"p95 {percentile(overall, 0.95) * 1000:.1f} ms over {len(overall)} warm "
                f"calls; {over} of {len(worst)} charts have p95 > 100 ms; slowest p95: "
                + ", ".join(f"{name} {p95:.0f} ms" for p95, name in sorted(worst)[-3:]),
                flush=True,
            )
            print(
                f"  server CPU (user + system) per warm call: mean over charts "
                f"{sum(cpus) / len(cpus):.1f} ms, max {max(cpus):.1f} ms; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
                flush=True,
            )
            print(
                f"  first call of each chart (cold): p50 {percentile(firsts, 0.5) * 1000:.1f}"
                f" ms, max {max(firsts) * 1000:.1f} ms (the very first: "
                f"{firsts[0] * 1000:.1f} ms)",
                flush=True,
            )
            # A publish: a new file renamed over the serving file. Every chart's next call
            # must read the new file (a worker reopens it on its first query after that).
            serving = Path(env["CSP_DATA_DIR"]) / "serving.duckdb"
            swap = serving.with_name(".serving.bench-swap.duckdb")
            shutil.copyfile(serving, swap)
            os.replace(swap, serving)
            after = [call(body)[0] for _name, body in bodies]
            print(
                f"  first call of each chart after the serving file was replaced: "
                f"p50 {percentile(after, 0.5) * 1000:.1f} ms, max {max(after) * 1000:.1f} ms "
                f"(the first two: {', '.join(f'{t * 1000:.1f}' for t in after[:2])} ms)",
                flush=True,
            )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def bench_overhead(root: Path, n: int, end_month: str) -> None:
    """Ingest's fixed cost per file: `n` tiny files (one force, consecutive months, a few
    rows each) loaded by the ingest library into an empty warehouse, one connection."""
    from ingest.config import Settings
    from ingest.load import load_landing

    data = root / "overhead"
    landing = data / "landing" / "police_street"
    counts: dict[Path, int] = {}
    national_data.generate(landing, n, end_month, ["city-of-london"], scale=0.02, counts=counts)
    rows = sum(counts.values())
    settings = Settings.from_env(bench_env(data, 0))
    t0 = time.perf_counter()
    results = load_landing(settings, "police_street")
    elapsed = time.perf_counter() - t0
    ok = sum(r.status == "loaded" for r in results)
    print(
        f"ingest per-file overhead: {ok} of {n} tiny files ({rows / n:.0f} rows each) in "
        f"{elapsed:.1f} s: {elapsed / n * 1000:.0f} ms per file "
        f"(x {39 * 120:,} files of a national history: {elapsed / n * 39 * 120:,.0f} s)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=120, help="months of history (120)")
    parser.add_argument("--end-month", default="2025-12", help="last month of history")
    parser.add_argument("--forces", help="comma-separated force slugs (default: all 39)")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier")
    parser.add_argument("--calls", type=int, default=50, help="chart-data calls per chart")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--skip-superset", action="store_true")
    parser.add_argument(
        "--superset-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the Superset server (d), e.g. SUPERSET_CACHE_SECONDS=300 or "
        "SUPERSET_SERVING_POOL=0; repeatable",
    )
    parser.add_argument(
        "--serving",
        type=Path,
        help="only (d): time Superset on a copy of this serving file (no data, no build)",
    )
    parser.add_argument("--skip-increment", action="store_true")
    parser.add_argument(
        "--increments",
        type=int,
        default=2,
        help="months added one build at a time after the full build (2: the first also takes "
        "in the full build's publish history; the second is a month like any later one)",
    )
    parser.add_argument(
        "--overhead-files", type=int, default=60, help="tiny files for (f); 0 skips it"
    )
    args = parser.parse_args(argv)
    settings = dict(item.split("=", 1) for item in args.superset_env)
    slugs = [s.strip() for s in args.forces.split(",") if s.strip()] if args.forces else None

    if args.work:
        if args.work.exists() and any(args.work.iterdir()):
            parser.error(f"--work {args.work} is not empty")
        args.work.mkdir(parents=True, exist_ok=True)
        root = args.work
    else:
        root = Path(tempfile.mkdtemp(prefix="csp-bench-national-"))
    data = root / "data"
    landing = data / "landing" / "police_street"
    held = root / "next-month"
    env = bench_env(data, free_port())
    # the months after the history, oldest first
    n = max(args.increments, 1)
    last = int(args.end_month[:4]) * 12 + int(args.end_month[5:7]) - 1 + n
    next_months = national_data.month_list(f"{last // 12:04d}-{last % 12 + 1:02d}", n)
    if args.serving:
        data.mkdir(parents=True)
        shutil.copyfile(args.serving, data / "serving.duckdb")
        try:
            print(
                f"Superset on a copy of {args.serving} ({mib(args.serving.stat().st_size)}); "
                f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            bench_superset(env, data, args.calls, settings)
        finally:
            _leave(root, args)
        return 0
    try:
        print(
            f"national benchmark: {len(slugs) if slugs else 39} force(s) x {args.months} months "
            f"to {args.end_month}, scale {args.scale}; work folder {root}; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        t0 = time.monotonic()
        counts: dict[Path, int] = {}
        files = national_data.generate(
            landing, args.months, args.end_month, slugs, args.scale, counts=counts
        )
        gen = time.monotonic() - t0
        size = sum(p.stat().st_size for p in files)
        rows = sum(counts.values())
        print(
            f"generate: {len(files)} files, {rows:,} rows, {mib(size)} in {gen:.1f} s "
            f"({rows / gen:,.0f} rows/s)",
            flush=True,
        )
        extra = {
            month: national_data.generate(held / month, 1, month, slugs, args.scale)
            for month in next_months
        }

        first = run_build(env, root / "build-1.log")
        print_build("(a) full build", first)
        for i, month in enumerate(next_months if not args.skip_increment else []):
            for p in extra[month]:
                shutil.copy(p, landing / p.name)
            added = run_build(env, root / f"build-{i + 2}.log")
            print_build(
                f"(b{i + 1}) one more month ({len(extra[month])} files, {month}), landing to "
                "published"
                + (
                    " (the first after the full build: the scorecard chain also takes in the "
                    "full build's publish history, every figure's first report)"
                    if i == 0
                    else ""
                ),
                added,
            )
        serving = data / "serving.duckdb"
        warehouse = data / "warehouse.duckdb"
        print(
            f"(c) serving file {mib(serving.stat().st_size if serving.exists() else None)}; "
            f"warehouse {mib(warehouse.stat().st_size if warehouse.exists() else None)}",
            flush=True,
        )
        if not args.skip_superset and serving.exists():
            bench_superset(env, data, args.calls, settings)
        if args.overhead_files:
            bench_overhead(root, args.overhead_files, args.end_month)
    finally:
        _leave(root, args)
    return 0


def _leave(root: Path, args: argparse.Namespace) -> None:
    """Keep the work folder when asked to (--keep, --work), else remove it."""
    if args.keep or args.work:
        print(f"kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
