"""Build the demo's map points `demo/lsoa_points.csv` from the real data.police.uk files.

    .venv/bin/python -m demo.build_points [--shared ../shared] [--seeds seeds] [--out FILE]

For every LSOA of the demo CSPs (`config.CSPS`; LSOA -> CSP from `seeds/areas.csv`), up to
POINTS_PER_LSOA published map points (longitude, latitude, `On or near ...` street) of
`<shared>/realdata/police_uk/*.csv`, the most frequent first: the demo places its crimes and
ASB incidents on them. An LSOA with no published point is left out (the demo uses only the
LSOAs that have one). Deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

from .config import CSPS
from .context import DEFAULT_SEEDS_DIR, POINTS_FILE, REPO_ROOT

POINTS_PER_LSOA = 6
POLICE_UK_REL = "realdata/police_uk"
FIELDS = ["lsoa_code", "longitude", "latitude", "location"]


def demo_lsoas(seeds_dir: Path, csp_codes: set[str]) -> dict[str, str]:
    """LSOA code -> CSP code for the LSOAs of `csp_codes` (columns read by name)."""
    with open(seeds_dir / "areas.csv", newline="", encoding="utf-8-sig") as fh:
        return {
            r["lsoa_code"]: r["csp_code"] for r in csv.DictReader(fh) if r["csp_code"] in csp_codes
        }


def point_rows(shared: Path, lsoas: set[str]) -> tuple[list[dict[str, str]], list[str]]:
    """(rows of lsoa_points.csv, LSOAs without any published point)."""
    counts: dict[str, Counter] = {code: Counter() for code in lsoas}
    files = sorted((shared / POLICE_UK_REL).glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no data.police.uk file in {shared / POLICE_UK_REL}")
    for path in files:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                code = r["LSOA code"].strip()
                if code in counts and r["Longitude"]:
                    counts[code][(r["Longitude"], r["Latitude"], r["Location"])] += 1
    rows, missing = [], []
    for code in sorted(counts):
        top = sorted(counts[code].items(), key=lambda kv: (-kv[1], kv[0]))[:POINTS_PER_LSOA]
        if not top:
            missing.append(code)
        for (lon, lat, loc), _ in top:
            rows.append({"lsoa_code": code, "longitude": lon, "latitude": lat, "location": loc})
    return rows, missing


def write_points(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m demo.build_points",
        description="Build demo/lsoa_points.csv from the real data.police.uk files.",
    )
    ap.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared")
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS_DIR)
    ap.add_argument("--out", type=Path, default=POINTS_FILE)
    args = ap.parse_args(argv)
    lsoa_csp = demo_lsoas(args.seeds, {c.code for c in CSPS})
    rows, missing = point_rows(args.shared, set(lsoa_csp))
    with_points = {r["lsoa_code"] for r in rows}
    empty = [c.name for c in CSPS if not any(lsoa_csp[x] == c.code for x in with_points)]
    if empty:
        print(f"no published map point for any LSOA of {', '.join(empty)}", file=sys.stderr)
        return 1
    write_points(args.out, rows)
    print(
        f"{args.out}: {len(rows)} points for {len(with_points)} LSOAs of {len(CSPS)} CSPs"
        + (f"; {len(missing)} LSOAs without a published point left out" if missing else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
