"""``kitwork serve [--host] [--port] [--workers N] [--access-log] [--log-level LEVEL]``."""
import os
import shutil
import tempfile

from core import Database, errors

LEVELS = ("critical", "error", "warning", "info", "debug")


def serve(args, out):
    metrics_folder = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):   # every worker's counts in one place, new at each start
        metrics_folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kitwork-metrics-")
    try:
        _serve(args, out)
    finally:
        if metrics_folder is not None:
            shutil.rmtree(metrics_folder, ignore_errors=True)
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def _serve(args, out):
    try:
        import uvicorn   # noqa: F401  (the web extra)

        from . import app, operations, security
    except ImportError as exc:
        raise errors.UserError(f"kitwork serve needs the web extra ({exc.name} is missing): "
                               f"pip install 'kitwork[web]' (in a checkout: pip install -e '.[web]')") from None
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
    os.environ[app.ACCESS_LOG_VARIABLE] = "1" if args.access_log else "0"
    if not os.environ.get(security.SECRET_VARIABLE):   # one secret for every worker, new at each start
        os.environ[security.SECRET_VARIABLE] = security.new_secret()
    uvicorn.run(f"{app.__name__}:from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, access_log=False,
                log_config=operations.log_config(args.log_level, args.access_log))


def add_arguments(parser):
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (default 1); on SQLite writes are serialized")
    parser.add_argument("--access-log", action="store_true",
                        help="one JSON line per request on standard output: method, path, status, duration, login")
    parser.add_argument("--log-level", choices=LEVELS, default="warning", type=str.lower,
                        help="the level of the server's own messages on standard error (default warning)")


cli_commands = [("serve", "serve the HTTP API (OpenAPI at /api/openapi.json) and the web pages (module web)",
                 serve, add_arguments)]
