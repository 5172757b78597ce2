"""The `csp` command for data engineers: the top layer, which may call the ingest library
(validate, load, status, contracts) and the orchestration (build). Nothing imports it."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from ingest.config import ConfigError, Settings
from ingest.contracts import CONTRACTS, UnknownSourceError
from ingest.load import WarehouseWriteError
from ingest.template import TemplateError


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

    out = Path(args.out) if args.out else None
    for p in write_docs(out, out / "_raw__sources.yml" if out else None):
        print(f"wrote {p}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from ingest.template import write_template

    settings = Settings.from_env()
    path = write_template(args.csp, args.period, Path(args.out), settings.seeds_dir)
    print(f"wrote {path}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    """Serve the dbt docs site the build generates (``dbt_docs`` asset) until interrupted."""
    import functools
    import http.server
    import signal

    from orchestration.defs.publish.docs import docs_dir

    folder = docs_dir(Settings.from_env().data_dir)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))

    # A supervisor stops it with SIGTERM (`make up`, a test): end as on Ctrl-C, even when
    # the parent started it with SIGTERM ignored (Python keeps an inherited SIG_IGN).
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"dbt docs of {folder} on http://127.0.0.1:{args.port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from orchestration.doctor import main as doctor_main

    return doctor_main([])


def _cmd_up(args: argparse.Namespace) -> int:
    from orchestration.up import main as up_main

    return up_main([])


def _cmd_build(args: argparse.Namespace) -> int:
    from orchestration.build import main as build_main

    return build_main(list(args.build_args))


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

    p = sub.add_parser(
        "contracts",
        help="write docs/contracts/*.md and dbt's raw sources YAML from the contracts",
    )
    p.add_argument(
        "--out",
        help="write everything into this folder (default: docs/contracts/ and dbt_project/)",
    )
    p.set_defaults(func=_cmd_contracts)

    p = sub.add_parser(
        "template",
        help="write the blank indicator return (XLSX) of a CSP and FY quarter for partners",
    )
    p.add_argument("--csp", required=True, help="CSP code or name (seeds/areas.csv)")
    p.add_argument("--period", required=True, help="FY quarter, e.g. '2026/27 Q2'")
    p.add_argument("--out", default=".", help="folder to write it into (default: here)")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("doctor", help="check the installation, data folder, ports and services")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser(
        "up", help="serve Superset, the Dagster UI and daemon and the dbt docs site (make up)"
    )
    p.set_defaults(func=_cmd_up)

    p = sub.add_parser("docs", help="serve the dbt docs site of the last build")
    p.add_argument("--port", type=int, default=int(os.environ.get("DBT_DOCS_PORT") or 8081))
    p.set_defaults(func=_cmd_docs)

    p = sub.add_parser(
        "build", help="load the landing folder, dbt build, publish (see `csp build --help`)"
    )
    p.add_argument("build_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["build"]:  # pass every further argument to the build untouched
        from orchestration.build import main as build_main

        return build_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (
        ConfigError,
        UnknownSourceError,
        FileNotFoundError,
        WarehouseWriteError,
        TemplateError,
    ) as exc:
        print(f"csp: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
