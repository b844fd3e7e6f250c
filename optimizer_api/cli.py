"""The `optimizer-api` command."""

from __future__ import annotations

import argparse
import os
import sys

from . import config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="optimizer-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API through gunicorn")
    serve.add_argument("--host", default=os.environ.get("OPTIMIZER_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("OPTIMIZER_PORT", 8000)))
    serve.add_argument("--workers", type=int, default=None,
                       help="gunicorn workers (default: 2 x CPUs + 1, or OPTIMIZER_WORKERS)")
    serve.add_argument("--database-url", default=None,
                       help="SQLAlchemy URL: sqlite:////path/file.db or "
                            "postgresql+psycopg://user@host/db (default: OPTIMIZER_DB_URL, "
                            f"else ./{config.DEFAULT_SQLITE_PATH})")
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args)


def _serve(args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    if args.database_url:
        os.environ["OPTIMIZER_DB_URL"] = args.database_url
    url = config.default_database_url()
    os.environ["OPTIMIZER_DB_URL"] = url
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"optimizer-api: storing studies in {shown}", flush=True)
    print(f"optimizer-api: serving on http://{args.host}:{args.port}", flush=True)
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:optimizer_api.gunicorn_conf",
            "--bind", f"{args.host}:{args.port}"]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    os.execv(sys.executable, [*argv, "optimizer_api.wsgi:app"])


if __name__ == "__main__":
    main()
