"""The `optimizer-api` command."""

from __future__ import annotations

import argparse
import os
import sys

from . import admin, config

APP = "optimizer_api.wsgi:app"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="optimizer-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API through gunicorn")
    serve.add_argument("--host", default=None,
                       help="address to listen on (default: OPTIMIZER_HOST, else the host of "
                            f"OPTIMIZER_BIND, else {config.DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=None,
                       help="port to listen on (default: OPTIMIZER_PORT, else the port of "
                            f"OPTIMIZER_BIND, else {config.DEFAULT_PORT})")
    serve.add_argument("--workers", type=int, default=None,
                       help="gunicorn workers (default: 2 x CPUs + 1, or OPTIMIZER_WORKERS)")
    serve.add_argument("--database-url", default=None,
                       help="SQLAlchemy URL: sqlite:////path/file.db or "
                            "postgresql+psycopg://user@host/db (default: OPTIMIZER_DB_URL, "
                            f"else ./{config.DEFAULT_SQLITE_PATH})")
    admin.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args)
    elif args.command in admin.COMMANDS:
        admin.run(args)


def gunicorn_argv(bind: str, workers: int | None = None, app: str = APP) -> list[str]:
    """The gunicorn command that serves `app` with our settings on `bind`."""
    argv = [sys.executable, "-m", "gunicorn", "--config", "python:optimizer_api.gunicorn_conf",
            "--bind", bind]
    if workers:
        argv += ["--workers", str(workers)]
    return [*argv, app]


def _serve(args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    from . import guard

    if args.database_url:
        os.environ["OPTIMIZER_DB_URL"] = args.database_url
    url = config.default_database_url()
    os.environ["OPTIMIZER_DB_URL"] = url
    shown = make_url(url).render_as_string(hide_password=True)
    bind = config.bind_address(args.host, args.port)
    try:
        guard.check([bind])  # gunicorn checks again, for those who start it directly
    except guard.RefusedToStart as exc:
        sys.exit(str(exc))
    print(f"optimizer-api: storing studies in {shown}", flush=True)
    print(f"optimizer-api: serving on {_as_url(bind)}", flush=True)
    argv = gunicorn_argv(bind, args.workers)
    os.execv(argv[0], argv)


def _as_url(bind: str) -> str:
    """http://HOST:PORT, or a socket address (unix:PATH) as it is."""
    return bind if bind.startswith(("unix:", "fd://")) else f"http://{bind}"


if __name__ == "__main__":
    main()
