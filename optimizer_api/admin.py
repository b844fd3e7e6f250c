"""`optimizer-api migrate`, `optimizer-api token create|list|revoke` and `optimizer-api
export|import`: the store's administration, on the database of OPTIMIZER_DB_URL (or
--database-url)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from . import config
from .domain import DEFAULT_OWNER, Role

COMMANDS = ("migrate", "token", "export", "import")


def add_commands(commands: argparse._SubParsersAction) -> None:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--database-url", default=None,
                    help="SQLAlchemy URL (default: OPTIMIZER_DB_URL, else "
                         f"./{config.DEFAULT_SQLITE_PATH})")
    commands.add_parser("migrate", parents=[db],
                        help="bring the database's schema to this release's")
    token = commands.add_parser("token", help="API tokens: create, list, revoke")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[db],
                                help="make a token and print it (once: only its hash is kept)")
    create.add_argument("--owner", required=True,
                        help="whose studies it reaches (1-100 of A-Z a-z 0-9 . _ @ -)")
    create.add_argument("--role", default="write", choices=[r.value for r in Role],
                        help="read: GET only; write: its owner's studies; admin: every "
                             "owner's (default: write)")
    actions.add_parser("list", parents=[db], help="list tokens (never the tokens themselves)")
    revoke = actions.add_parser("revoke", parents=[db], help="revoke a token, at once")
    revoke.add_argument("id", type=int, help="the token's id, as `token list` shows it")
    export = commands.add_parser("export", parents=[db],
                                 help="write a study (definition, trials, curves, metadata) "
                                      "as one JSON document")
    export.add_argument("study_id", type=int, help="the study's id")
    export.add_argument("-o", "--output", default="-", help="a file (default: stdout)")
    load = commands.add_parser("import", parents=[db],
                               help="create a study from a document `export` wrote")
    load.add_argument("file", help="the document (- for stdin)")
    load.add_argument("--name", default=None, help="the new study's name (default: the "
                                                   "document's)")
    load.add_argument("--owner", default=DEFAULT_OWNER,
                      help=f"whose study it becomes (default: {DEFAULT_OWNER})")


def run(args: argparse.Namespace) -> None:
    from .errors import OptimizerError
    from .store.migrate import SchemaError

    try:
        if args.command == "migrate":
            _migrate(args)
        elif args.command in ("export", "import"):
            (_export if args.command == "export" else _import)(args)
        else:
            {"create": _create, "list": _list, "revoke": _revoke}[args.action](args)
    except (OptimizerError, SchemaError) as exc:
        sys.exit(f"optimizer-api: {exc}")


def _store(args: argparse.Namespace, migrate_at_start: bool | None = None):
    from .store import Store

    settings = config.load({"DATABASE_URL": args.database_url} if args.database_url else {})
    if migrate_at_start is None:
        migrate_at_start = settings["MIGRATE_AT_START"]
    return Store(settings["DATABASE_URL"], busy_timeout_ms=settings["BUSY_TIMEOUT_MS"],
                 migrate_at_start=migrate_at_start)


def _tokens(args: argparse.Namespace):
    from .service import Tokens

    return Tokens(_store(args), _now)


def _migrate(args: argparse.Namespace) -> None:
    from .store import migrate

    store = _store(args, migrate_at_start=True)
    before, after = migrate.upgrade(store)
    state = "already at" if before == after else f"migrated from {before or 'nothing'} to"
    print(f"optimizer-api: {store.display_url}: schema {state} revision {after}")


def _create(args: argparse.Namespace) -> None:
    token, record = _tokens(args).create(args.owner, Role(args.role))
    print(f"optimizer-api: token {record.id}, owner {record.owner}, role {record.role}; "
          "it is shown this once, keep it now:", file=sys.stderr)
    print(token)  # alone on stdout: TOKEN=$(optimizer-api token create ...)


def _list(args: argparse.Namespace) -> None:
    rows = [("id", "owner", "role", "token", "created", "revoked")]
    for t in _tokens(args).list():
        rows.append((str(t.id), t.owner, t.role.value, t.hint + "...", _when(t.created_at),
                     _when(t.revoked_at) if t.revoked_at else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _revoke(args: argparse.Namespace) -> None:
    t = _tokens(args).revoke(args.id)
    print(f"optimizer-api: token {t.id} (owner {t.owner}, role {t.role}) revoked")


def _service(args: argparse.Namespace):
    from .service import Service

    return Service(_store(args), _now)


def _export(args: argparse.Namespace) -> None:
    import json

    from .domain import Owner

    doc = _service(args).export_study(Owner(DEFAULT_OWNER, every_owner=True), args.study_id)
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"optimizer-api: study {args.study_id} written to {args.output} "
              f"({len(doc['trials'])} trials)", file=sys.stderr)


def _import(args: argparse.Namespace) -> None:
    import json
    from pathlib import Path

    from .domain import Owner
    from .errors import InvalidRequest as InvalidDocument

    raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise InvalidDocument(f"{args.file} is not JSON: {exc}") from None
    created = _service(args).import_study(Owner(args.owner), doc, args.name)
    study = created.view.study
    print(f"optimizer-api: imported as study {study.id} {study.name!r} of owner "
          f"{study.owner} ({sum(created.view.counts.values())} trials)")


def _now() -> float:
    import time

    return time.time()


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
