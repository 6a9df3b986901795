"""``kitwork serve [--host] [--port] [--workers N]``."""
import os

from core import Database, errors


def serve(args, out):
    try:
        import uvicorn   # noqa: F401  (the web extra)

        from . import app, security
    except ImportError as exc:
        raise errors.UserError(f"kitwork serve needs the web extra ({exc.name} is missing): "
                               f"pip install 'kitwork[web]'") from None
    database = Database(args.db)
    if "web" not in database.active_modules:
        raise errors.UserError(f"web is not active in {database!r}: run 'kitwork activate web'")
    if args.workers < 1:
        raise errors.UserError(f"--workers must be 1 or more, not {args.workers}")
    url = database.url
    database.close()
    app.prepare(url)
    out.write(f"serving {database!r} on http://{args.host}:{args.port}/ "
              f"(OpenAPI: http://{args.host}:{args.port}/api/openapi.json), {args.workers} worker(s)\n")
    out.flush()
    os.environ[app.URL_VARIABLE] = url   # the workers build their app from it
    if not os.environ.get(security.SECRET_VARIABLE):   # one secret for every worker, new at each start
        os.environ[security.SECRET_VARIABLE] = security.new_secret()
    uvicorn.run(f"{app.__name__}:from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning", access_log=False)


def add_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (default 1); on SQLite writes are serialized")


cli_commands = [("serve", "serve the HTTP API (OpenAPI at /api/openapi.json) and the web pages (module web)",
                 serve, add_arguments)]
