"""Entry point of the demo generator: `generate(out_dir, start, end, scale, seed, seeds_dir)`."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .config import DEFAULT_END, DEFAULT_SEED, DEFAULT_START
from .context import Context, Reference, month_range
from .crime import generate_police
from .partners import generate_partners
from .sources import SOURCES

MANIFEST_NAME = "demo_manifest.json"


def generate(
    out_dir: Path | str,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    seeds_dir: Path | str | None = None,
) -> dict:
    """Write synthetic extracts for every source under `out_dir/<source>/` and
    `out_dir/demo_manifest.json`; return the manifest. Same arguments, same bytes."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out, month_range(start, end), float(scale), int(seed), Reference.load(seeds_dir))
    police = generate_police(ctx)
    generate_partners(ctx)
    files = sorted(ctx.files, key=lambda f: f["file"])
    by_source: dict[str, dict] = {}
    for f in files:
        s = by_source.setdefault(f["source"], {"files": 0, "rows": 0})
        s["files"] += 1
        s["rows"] += f["rows"]
    manifest = {
        "generator": "demo",
        "arguments": {"start": start, "end": end, "scale": scale, "seed": seed},
        "months": ctx.months,
        "csps": [
            {"csp_code": c.code, "csp_name": c.name, "force_code": c.force_code, "slug": c.slug}
            for c in ctx.csps
        ],
        "forces": [
            {"force_code": f.code, "slug": f.slug, "police_uk_name": f.police_uk_name}
            for f in ctx.forces.values()
        ],
        "sources": {s: by_source.get(s, {"files": 0, "rows": 0}) for s in SOURCES},
        "police_totals": police["summary"],
        "restated": ctx.restated,
        "late": ctx.late,
        "files": files,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    import argparse

    from ingest.config import Settings
    from ingest.landing import landing_files, source_folders

    ap = argparse.ArgumentParser(
        prog="python -m demo",
        description="Generate deterministic synthetic partner extracts into a landing folder.",
    )
    ap.add_argument(
        "--out", type=Path, help="landing folder to write into (default: $CSP_LANDING_DIR)"
    )
    ap.add_argument("--start", default=DEFAULT_START, help="first month, YYYY-MM")
    ap.add_argument("--end", default=DEFAULT_END, help="last month, YYYY-MM")
    ap.add_argument("--scale", default=1.0, type=float, help="volume multiplier")
    ap.add_argument("--seed", default=DEFAULT_SEED, type=int)
    ap.add_argument(
        "--if-empty",
        action="store_true",
        help="write nothing when the folder already holds a partner file (make build)",
    )
    ap.add_argument(
        "--hold-restated",
        type=Path,
        metavar="DIR",
        help="move the restated files into DIR instead (they arrive after a first publish)",
    )
    ap.add_argument(
        "--release",
        type=Path,
        metavar="DIR",
        help="move the files held in DIR into the landing folder (the partners restate)",
    )
    args = ap.parse_args(argv)
    out = args.out or Settings.from_env().landing_dir
    if args.release:
        moved = release(args.release, out)
        if moved:
            print(f"demo: {len(moved)} restated file(s) arrive in {out}: " + ", ".join(moved))
        return 0
    if args.if_empty and any(landing_files(out, s) for s in source_folders(out)):
        return 0
    print(f"writing demo data into {out}", flush=True)
    t = time.perf_counter()
    m = generate(out, args.start, args.end, args.scale, args.seed)
    secs = time.perf_counter() - t
    for source, s in m["sources"].items():
        print(f"{source:20s} {s['files']:5d} files {s['rows']:9d} rows")
    print(f"{len(m['files'])} files in {out} ({secs:.1f}s)")
    if args.hold_restated:
        held = hold(m, out, args.hold_restated)
        print(f"{len(held)} restated file(s) held in {args.hold_restated} until a first publish")
    return 0


def hold(manifest: dict, out: Path, held_dir: Path) -> list[str]:
    """Move the manifest's restated files from `out` to `held_dir` (same relative paths):
    a partner restates a period after it was first published, so a build that publishes
    the originals first and then loads these shows the restatement (`make build`)."""
    moved = []
    for f in manifest["files"]:
        if f["kind"] != "restated":
            continue
        target = Path(held_dir) / f["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        (Path(out) / f["file"]).replace(target)
        moved.append(f["file"])
    return moved


def release(held_dir: Path, out: Path) -> list[str]:
    """Move every file held in `held_dir` into `out` (same relative paths); returns them."""
    held_dir = Path(held_dir)
    if not held_dir.is_dir():
        return []
    moved = []
    for path in sorted(p for p in held_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(held_dir)
        target = Path(out) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        moved.append(str(rel))
    return moved
