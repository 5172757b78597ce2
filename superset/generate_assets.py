"""Write the Superset assets (superset/assets/) in Superset's export format.

The YAML under superset/assets/ is what provisioning imports and what is reviewed in
git; this script writes it and rewrites it when a definition changes:

    superset/assets_format.py    Superset's export format: builders and rendering
    superset/catalogue.py        the measure catalogue (seeds/measures.csv), typed
    superset/dashboards/         the datasets, and one module per dashboard

Every object has a fixed UUID derived from its name, so generating again never changes
an identity. Lists of measures come from the catalogue, so a new catalogue row shows in
the dashboards after running this again (see superset/dashboards/crime.py).

    python superset/generate_assets.py            # rewrite superset/assets/
    python superset/generate_assets.py --check    # exit 1 if assets/ is out of date
    python superset/generate_assets.py --catalogue other.csv --out /tmp/assets

Standard library and pyyaml only (both virtual environments have them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
from assets_format import render  # noqa: E402
from dashboards import build_dashboards  # noqa: E402
from dashboards.datasets import build_datasets, serving_database  # noqa: E402

ASSETS = HERE / "assets"
REPO = HERE.parent


def generate(catalogue_path: Path = catalogue.PATH) -> dict[str, str]:
    """Relative path -> YAML text of every asset file."""
    measures = catalogue.read(catalogue_path)
    return render(serving_database(), build_datasets(), build_dashboards(measures))


def shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the assets are stale")
    parser.add_argument(
        "--catalogue",
        type=Path,
        default=catalogue.PATH,
        help="measure catalogue (default: seeds/measures.csv)",
    )
    parser.add_argument(
        "--out", type=Path, default=ASSETS, help="assets folder (default: superset/assets)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    files = generate(args.catalogue)
    if args.check:
        stale = [
            p
            for p, text in files.items()
            if not (out / p).is_file() or (out / p).read_text() != text
        ]
        for p in stale:
            print(f"stale: {shown(out / p)}")
        return 1 if stale else 0
    if out.is_dir():
        for path in out.rglob("*.yaml"):
            if path.relative_to(out).as_posix() not in files:
                path.unlink()
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    print(f"wrote {len(files)} files under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
