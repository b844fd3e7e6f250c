"""The `optimizer-api` command."""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from importlib import metadata

from . import admin, config

APP = "optimizer_api.wsgi:app"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="optimizer-api", description=__doc__)
    parser.add_argument("--version", action="version",
                        version=f"optimizer-api {metadata.version('optimizer-api')}")
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
    taken = _taken(bind)
    if taken:
        sys.exit(f"optimizer-api: cannot listen on {bind}: {taken}. Stop what listens "
                 "there, or choose another port (--port, OPTIMIZER_PORT).")
    print(f"optimizer-api: storing studies in {shown}", flush=True)
    # gunicorn prints "optimizer-api: serving on URL" once it listens (gunicorn_conf.py).
    argv = gunicorn_argv(bind, args.workers)
    os.execv(argv[0], argv)


def _taken(bind: str) -> str | None:
    """Why gunicorn could not listen on HOST:PORT (the port is taken, say), or None."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or bind.startswith(("unix:", "fd://")):
        return None
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "the port is already in use"
            return exc.strerror or str(exc)
    return None


if __name__ == "__main__":
    main()
