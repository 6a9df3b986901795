"""The HTTP application: Starlette routes over one Kitwork database.

One request, one transaction: the request's input is checked first (JSON,
shapes, field names and types, query parameters), then a transaction
authenticates the API key, acts for its user and does the work; any error
rolls it back.  Errors are ``application/problem+json`` (RFC 9457).  On
SQLite, a request that may write takes the database's write lock first thing
in its transaction and waits for it (busy timeout), so concurrent writers
queue instead of failing with "database is locked" (see ``Api.writer``).
"""
import contextlib
import html
import json
import logging
import os
import threading

import sqlalchemy as sa
try:
    import fcntl
except ImportError:   # not POSIX: SQLite's busy timeout alone queues the writers
    fcntl = None
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from core import Database, errors
from core.api import NOTHING
from modules.res import AuthenticationError

from . import lists, openapi, operations, problems, reference, resources, security
from .idempotency import MAX_KEY as MAX_IDEMPOTENCY_KEY, fingerprint
from .problems import Problem, bearer, read_body

URL_VARIABLE = "KITWORK_SERVE_URL"   # how ``kitwork serve`` hands the database to its workers
ACCESS_LOG_VARIABLE = "KITWORK_ACCESS_LOG"   # "1": ``kitwork serve --access-log``
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_BODY = 20 * 1024 * 1024   # bytes
MAX_RECORDS = 10000           # objects in one POST, ids in one method call
SQLITE_TIMEOUT = 30           # seconds a SQLite writer waits for the lock
WRITE_LOCK = "UPDATE kitwork_module SET name = name WHERE 0"   # takes SQLite's write lock, changes nothing

log = logging.getLogger("kitwork.web")


def server_url(url):
    """``url`` with a SQLite busy timeout, unless it names one."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"timeout": str(SQLITE_TIMEOUT)})
    return parsed.render_as_string(hide_password=False)


def prepare(url):
    """Once before serving: a SQLite file goes to WAL mode, so reads need not wait for writers."""
    engine = sa.create_engine(url)
    try:
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        engine.dispose()


class Api:
    """The work behind the routes, on one database."""

    def __init__(self, url):
        self.database = Database(server_url(url))
        self.sqlite = self.database.engine.dialect.name == "sqlite"
        self.writing = threading.Lock()
        path = self.database.engine.url.database if self.sqlite else None
        self.lock_file = None
        if fcntl is not None and path and path != ":memory:" and not path.startswith("file:"):
            self.lock_file = open(f"{path}.write-lock", "a")
        self._documents = {}

    # -- plumbing --------------------------------------------------------------------
    def act(self, key, work, write, session=None, once=None):
        """Run ``work(env)`` in one transaction acting for the user of API key ``key`` (or of the browser
        ``session`` id, for pages).

        ``once``: ``(Idempotency-Key, request fingerprint, status)`` of a POST
        sent with that header: a repeat gets the first response (a
        :class:`Replay`) and ``work`` does not run again.
        """
        if key is None and session is None:
            raise AuthenticationError("authentication required: give 'Authorization: Bearer <key>'")
        if write and self.sqlite:
            with self.writer():
                return self._act(key, work, write, session, once)
        return self._act(key, work, write, session, once)

    @contextlib.contextmanager
    def writer(self):
        """SQLite: be the one writer of all the workers, waiting in the kernel rather than polling.

        SQLite's busy handler polls, up to every 100 ms: a writer of one
        process can lose the lock again and again to the next writer of
        another.  Threads queue on a lock, then processes on an advisory lock
        of a file beside the database (``flock``: a waiter wakes when it is
        released); SQLite's own lock is then free or about to be.
        """
        with self.writing:
            if self.lock_file is None:
                yield
                return
            fcntl.flock(self.lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.lock_file, fcntl.LOCK_UN)

    def _act(self, key, work, write, session=None, once=None):
        with self.database.transaction() as env:
            if write and self.sqlite:
                env.execute(sa.text(WRITE_LOCK))
            if key is not None:   # the key's user, in the one query finding the key
                user_id, login = env["res.user"].identify(key)
            else:
                user = env["ir.session"].authenticate(session)
                user_id, login = user.id, user.login
            operations.note_login(login)
            if once is not None:
                first = env["web.idempotency_key"].claim(user_id, once[0], once[1])
                if first is not None:
                    return Replay(*first)
            with env.with_user(login):
                result = work(env)
            if once is not None:
                env["web.idempotency_key"].keep(user_id, once[0], once[2], encode(result))
            return result

    def sign_in(self, login, password, lifetime):
        """A new browser session of the user signing in with ``login`` and ``password`` (its id, shown once);
        else :class:`AuthenticationError`.  The password is checked by the system, not as a user, before
        the session's transaction (its scrypt holds no write lock)."""
        with self.database.transaction() as env:
            user_id = env["res.user.password"].verify(login, password).id
        operations.note_login(login)

        def start():
            with self.database.transaction() as env:
                if self.sqlite:
                    env.execute(sa.text(WRITE_LOCK))
                return env["ir.session"].start(env["res.user"].browse([user_id])[0], lifetime)
        if self.sqlite:
            with self.writer():
                return start()
        return start()

    def model(self, name):
        """The composed model class ``name`` (not bound to a transaction), or 404."""
        models = self.database.pool.models
        if name not in models:
            raise Problem(404, "Unknown model", f"no active module provides model {name!r}; "
                          f"GET /api/models lists them")
        return models[name]

    def document(self):
        pool = self.database.pool
        document = self._documents.get(id(pool))
        if document is None:
            document = self._documents[id(pool)] = openapi.document(
                pool, self.database.active_modules, MAX_LIMIT, DEFAULT_LIMIT)
        return document

    # -- endpoints ---------------------------------------------------------------------
    def models(self, key):
        def work(env):
            result = []
            for name, model in sorted(self.database.pool.models.items()):
                result.append({"name": name, "description": openapi.describe(model),
                               "access": {op: env.has_access(name, op) for op in openapi.OPERATIONS},
                               "methods": sorted(model.exposed_methods)})
            return result
        return self.act(key, work, write=False)

    def search(self, key, name, query, url):
        """A page of records with the total in ``X-Total-Count`` and, while more remain, the next page's ``Link``."""
        model = self.model(name)
        domain, order, limit, offset, fields = lists.search_parameters(
            self.database.pool.models, model, query, DEFAULT_LIMIT, MAX_LIMIT)

        def work(env):
            Model = env[name]
            try:
                records = Model.search(domain, order=order, limit=limit, offset=offset)
                if len(records) < limit and (records or not offset):   # this page is the last: no count needed
                    total = offset + len(records)
                else:
                    total = Model.search_count(domain)
            except errors.UserError as exc:
                if isinstance(exc, errors.AccessError):
                    raise
                raise Problem(400, "Invalid search", str(exc)) from None
            headers = {"X-Total-Count": str(total)}
            link = lists.next_link(url, offset, limit, total)
            if link:
                headers["Link"] = link
            return lists.Answer(lists.select(env, name, records, fields), headers)
        return self.act(key, work, write=False)

    def create(self, key, name, body, once=None):
        model = self.model(name)
        vlist = problems.parse_json(body)
        if not isinstance(vlist, list) or not vlist or len(vlist) > MAX_RECORDS:
            raise Problem(400, "Malformed request", f"POST /api/{name} takes a JSON list of 1 to {MAX_RECORDS} "
                          f"objects, one per record to create")
        models = self.database.pool.models
        for position, values in enumerate(vlist):
            problems.check_values(models, model, values, f"record {position + 1} of {len(vlist)}", creating=True,
                                  path=(position,))

        def work(env):
            Model = env[name]
            records = Model.create(vlist)
            if env.has_access(name, "read"):
                return Model.dump(records)
            return [{"id": r.id} for r in records]
        return self.act(key, work, write=True, once=once)

    def read(self, key, name, id_, query):
        model = self.model(name)
        problems.check_id(name, id_)
        unknown = sorted(set(query) - {"fields"})
        if unknown:
            raise Problem(400, "Invalid query", f"unknown query parameter(s) {', '.join(unknown)}; use fields")
        fields = lists.parse_fields(self.database.pool.models, model, query.get("fields"))

        def work(env):
            records = env[name].search([("id", "=", id_)])
            if not records:
                raise Problem(404, "No such record", f"no {name} with id {id_} (it may have been deleted)")
            return lists.select(env, name, records, fields)[0]
        return self.act(key, work, write=False)

    def write(self, key, name, id_, body):
        model = self.model(name)
        problems.check_id(name, id_)
        values = problems.parse_json(body)
        problems.check_values(self.database.pool.models, model, values, f"{name} {id_}", creating=False)

        def work(env):
            Model = env[name]
            records = Model.browse(self.existing(env, name, [id_], "write"))
            Model.write(records, values)
            return Model.dump(records)[0] if env.has_access(name, "read") else {"id": id_}
        return self.act(key, work, write=True)

    def delete(self, key, name, id_):
        self.model(name)
        problems.check_id(name, id_)

        def work(env):
            env[name].delete(self.existing(env, name, [id_], "delete"))
        self.act(key, work, write=True)

    def call(self, key, name, method, body, once=None):
        model = self.model(name)
        exposed = model.exposed_methods.get(method)
        if exposed is None:
            raise Problem(404, "Unknown method", f"{name} publishes no method {method!r}; it publishes: "
                          f"{', '.join(sorted(model.exposed_methods)) or 'none'}")
        arguments = problems.parse_json(body) if body.strip() else {}
        ids, params = problems.check_call(model, exposed, arguments, MAX_RECORDS)

        def work(env):
            function = getattr(env[name], method)
            if exposed.records:
                result = function(self.existing(env, name, ids, exposed.access), **params)
            else:
                result = function(**params)
            return {"result": None if exposed.returns == NOTHING else problems.jsonable(result)}
        return self.act(key, work, write=exposed.access != "read", once=once)

    @staticmethod
    def existing(env, name, ids, access):
        """``ids``, all of records that exist; else 404 naming those that do not.

        The user's ``access`` right is checked first: without it, 404 or not
        would tell which records exist.
        """
        env.check_access(name, access)
        table = env[name].table
        found = set()
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            found.update(env.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise Problem(404, "No such record", f"no {name} with id {', '.join(map(str, missing[:20]))} "
                          f"(it may have been deleted)")
        return ids


class Replay:
    """The first response to a repeated POST (same ``Idempotency-Key``, same request)."""

    def __init__(self, status, body):
        self.status, self.body = status, body


def encode(result):
    """A JSON body as the responses write it (and as a kept response is replayed)."""
    return json.dumps(result, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def idempotency(request, body, status):
    """``(key, fingerprint, status)`` of a POST sent with an ``Idempotency-Key``; None without one; 400 if
    the key is not 1 to 255 visible ASCII characters."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY or not all(" " < c < "\x7f" for c in key):
        raise Problem(400, "Invalid Idempotency-Key", f"an Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY} visible "
                      f"ASCII characters (a UUID, say)")
    return key, fingerprint(request.method, request.url.path, body), status


def respond(function, *args, status=200):
    """Call ``function``; its result as JSON, or its error as a problem."""
    try:
        result = function(*args)
    except Exception as exc:   # every error becomes a problem document; a bug is a 500, logged
        return problems.response(exc)
    if status == 204:
        return Response(status_code=204)
    if isinstance(result, Response):
        return result
    if isinstance(result, Replay):
        return Response(result.body, status_code=result.status, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    if isinstance(result, lists.Answer):
        return JSONResponse(result.body, status_code=status, headers=result.headers)
    return JSONResponse(result, status_code=status)


def create_app(url, secret=None, access_log=False):
    """The Starlette application serving the database at ``url``.

    ``secret`` signs the pages' session cookies and CSRF tokens: default
    ``KITWORK_SECRET_KEY``, else a new random one (the sessions it signed
    end with the application).  ``access_log``: one line per request on the
    logger ``kitwork.access`` (:mod:`modules.web.operations`).
    """
    api = Api(url)
    metrics = operations.Metrics()
    signer = security.Signer(secret or security.secret_from_environment() or security.new_secret())

    async def body_of(request):
        """The request's body, or the problem response refusing it (too large, not sent as JSON)."""
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            return problems.response(Problem(415, "Unsupported media type", f"the body is sent as "
                                             f"{media_type[:60]!r}: send JSON, with 'Content-Type: application/json'"))
        body = await read_body(request, MAX_BODY)
        if body is None:
            return problems.response(Problem(413, "Request too large", f"the body exceeds {MAX_BODY} bytes"))
        return body

    async def run(function, *args, status=200):
        return await run_in_threadpool(respond, function, *args, status=status)

    async def openapi_json(request):
        return await run(api.document)

    async def models(request):
        return await run(lambda: api.models(bearer(request)))

    async def collection(request):
        name = request.path_params["model"]
        if request.method == "GET":
            return await run(lambda: api.search(bearer(request), name, request.query_params, request.url))
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        return await run(lambda: api.create(bearer(request), name, body, idempotency(request, body, 201)),
                         status=201)

    async def record(request):
        name, id_ = request.path_params["model"], problems.path_id(request.path_params["id"])
        if request.method == "GET":
            return await run(lambda: api.read(bearer(request), name, id_, request.query_params))
        if request.method == "DELETE":
            return await run(lambda: api.delete(bearer(request), name, id_), status=204)
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        return await run(lambda: api.write(bearer(request), name, id_, body))

    async def method(request):
        name, method_name = request.path_params["model"], request.path_params["method"]
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        return await run(lambda: api.call(bearer(request), name, method_name, body,
                                          idempotency(request, body, 200)))

    async def not_found(request, exc):
        status = getattr(exc, "status_code", 404)
        title = "Method not allowed" if status == 405 else "Not found"
        return problems.response(Problem(status, title, f"{request.method} {request.url.path}: "
                                         f"{getattr(exc, 'detail', '') or title.lower()}"))

    async def problem_type(request):
        kind = request.path_params["kind"]
        if kind not in problems.TYPES:
            raise HTTPException(404, f"no problem type {kind!r:.40}; types: {', '.join(problems.TYPES)}")
        return HTMLResponse(f"<!doctype html><title>{kind}</title><h1>/problems/{kind}</h1>"
                            f"<p>{html.escape(problems.TYPES[kind])}</p>")

    async def healthz(request):
        return JSONResponse({"status": "ok"})

    async def readyz(request):
        def ready():
            try:
                pending = api.database.pending_migrations()
            except errors.UserError:
                raise   # the database does not answer: 503
            except Exception as exc:   # revisions alembic cannot place: not ready either, and said so
                log.warning("readiness: the migrations cannot be compared: %s", exc)
                raise Problem(503, "Not ready", f"the database's migrations cannot be compared with the "
                              f"modules': {exc}", headers={"Retry-After": "10"}) from None
            if pending:
                raise Problem(503, "Not ready", f"migrations are pending for {', '.join(pending)}: run "
                              f"'kitwork upgrade'", headers={"Retry-After": "10"})
            return {"status": "ready", "modules": len(api.database.active_modules)}
        return await run(ready)

    async def metrics_text(request):
        body = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=operations.prometheus_client.CONTENT_TYPE_LATEST)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        Route("/problems/{kind}", problem_type, methods=["GET"]),
        *reference.routes(),
        Route("/api/openapi.json", openapi_json, methods=["GET"]),
        *resources.routes(api, run),
        Route("/api/models", models, methods=["GET"]),
        Route("/api/{model}", collection, methods=["GET", "POST"]),
        Route("/api/{model}/{id}", record, methods=["GET", "PATCH", "DELETE"]),
        Route("/api/{model}/{method}", method, methods=["POST"]),
    ]
    if "stock_reorder" in api.database.active_modules:
        from . import page
        routes.append(Mount("/", routes=page.routes(api, signer)))
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found},
                    middleware=[Middleware(operations.Observe, metrics=metrics, log_requests=access_log),
                                Middleware(security.SecurityHeaders)])
    app.state.api = api
    return app


def from_environment():
    """The application of the database named by ``KITWORK_SERVE_URL`` (set by ``kitwork serve``)."""
    return create_app(os.environ[URL_VARIABLE], access_log=os.environ.get(ACCESS_LOG_VARIABLE) == "1")
