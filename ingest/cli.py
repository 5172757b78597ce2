"""The `csp` command for data engineers."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ingest.config import ConfigError, Settings
from ingest.contracts import CONTRACTS, UnknownSourceError


def _cmd_validate(args: argparse.Namespace) -> int:
    from ingest.validate import validate_file

    settings = Settings.from_env()
    report = validate_file(args.source, args.file, seeds_dir=settings.seeds_dir)
    print(report.render())
    return 0 if report.ok else 1


def _cmd_load(args: argparse.Namespace) -> int:
    from ingest.load import load_file

    result = load_file(args.source, Path(args.file), Settings.from_env())
    print(result.summary())
    for e in result.errors:
        print(f"ERROR   {e}")
    for w in result.warnings:
        print(f"WARNING {w}")
    return 1 if result.status == "rejected" else 0


def _cmd_load_landing(args: argparse.Namespace) -> int:
    from ingest.load import load_landing

    results = load_landing(Settings.from_env(), args.source)
    for r in results:
        print(r.summary())
    counts = {
        s: sum(r.status == s for r in results) for s in ("loaded", "skipped_duplicate", "rejected")
    }
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 1 if counts["rejected"] else 0


def _cmd_status(args: argparse.Namespace) -> int:
    from ingest.status import format_status, source_status

    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    print(format_status(source_status(Settings.from_env(), as_of)))
    return 0


def _cmd_contracts(args: argparse.Namespace) -> int:
    from ingest.contract_docs import write_docs

    for p in write_docs(Path(args.out) if args.out else None):
        print(f"wrote {p}")
    return 0


# --- `csp build` hook ---------------------------------------------------------------
# The build (dbt + publish, run through Dagster) lives in orchestration/build.py, owned
# by the orchestration code: `main(argv: list[str] | None = None) -> int`. It is imported
# lazily so that `ingest` never imports Dagster.
def run_build(argv: list[str]) -> int:
    try:
        from orchestration.build import main as build_main
    except ImportError as exc:
        print(f"csp build is not available: {exc}", file=sys.stderr)
        return 2
    return int(build_main(list(argv)) or 0)


def _cmd_build(args: argparse.Namespace) -> int:
    return run_build(list(args.build_args))


# -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csp", description="CSP performance warehouse: validate, load, build, status."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sources = sorted(CONTRACTS)

    p = sub.add_parser("validate", help="check a file against its contract; writes nothing")
    p.add_argument("source", choices=sources)
    p.add_argument("file")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("load", help="validate and load one file (rejected: quarantined, exit 1)")
    p.add_argument("source", choices=sources)
    p.add_argument("file")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("load-landing", help="load every landing file, in name order")
    p.add_argument("source", nargs="?", choices=sources)
    p.set_defaults(func=_cmd_load_landing)

    p = sub.add_parser("status", help="each source's last load, rows, warnings, overdue flag")
    p.add_argument("--as-of", help="date to judge overdue against (YYYY-MM-DD, default today)")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("contracts", help="write docs/contracts/*.md from the contracts")
    p.add_argument("--out", help="folder (default docs/contracts)")
    p.set_defaults(func=_cmd_contracts)

    p = sub.add_parser(
        "build", help="run the whole build (orchestration.build); other arguments pass through"
    )
    p.add_argument("build_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["build"]:  # pass every further argument to the build untouched
        return run_build(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, UnknownSourceError, FileNotFoundError) as exc:
        print(f"csp: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
