"""For operators: health and readiness probes, Prometheus metrics, and one access-log line per request.

- ``GET /healthz``: the process answers (no database work); ``GET /readyz``:
  the database answers and no migration of an active module is pending
  (else 503); neither needs a key, so a load balancer or an orchestrator
  can ask.
- ``GET /metrics``: Prometheus' text format, with
  ``kitwork_http_requests_total`` and ``kitwork_http_request_duration_seconds``
  by ``method``, ``route`` (the route's template, ``/api/{model}/{id}``:
  never an id) and ``status``.  ``kitwork serve`` runs prometheus-client in
  its multiprocess mode (a folder of its own in ``PROMETHEUS_MULTIPROC_DIR``),
  so that every worker's counts add up whichever worker is asked.
- With ``kitwork serve --access-log``, the logger ``kitwork.access`` writes
  one JSON line per request: method, path (without the query string),
  status, duration in milliseconds and the login of the user the request
  acted for (null when none).  Never a header, a key or a body.
"""
import contextvars
import json
import logging
import os
import time

import prometheus_client
from prometheus_client import multiprocess

access_log = logging.getLogger("kitwork.access")
LOGIN = contextvars.ContextVar("kitwork_request_login", default=None)   # a dict per request, filled by the work
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def note_login(login):
    """Say, from the request's work (any thread), which user the request acts for: the access log names them."""
    holder = LOGIN.get()
    if holder is not None:
        holder["login"] = login


class Metrics:
    """The request metrics of one application, and their exposition (every worker's, in multiprocess mode)."""

    def __init__(self):
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = prometheus_client.CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = prometheus_client.Counter(
            "kitwork_http_requests", "HTTP requests answered, by method, route template and status.", labels,
            registry=None if self.multiprocess else self.registry)
        self.durations = prometheus_client.Histogram(
            "kitwork_http_request_duration_seconds", "Time to answer HTTP requests, by method, route template "
            "and status.", labels, buckets=BUCKETS, registry=None if self.multiprocess else self.registry)

    def observe(self, method, route, status, seconds):
        self.requests.labels(method, route, status).inc()
        self.durations.labels(method, route, status).observe(seconds)

    def exposition(self):
        """The text format of every metric (all workers' in multiprocess mode)."""
        registry = self.registry
        if self.multiprocess:
            registry = prometheus_client.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return prometheus_client.generate_latest(registry)


class Observe:
    """ASGI middleware: each HTTP request counted and timed by route template, and logged when asked."""

    def __init__(self, app, metrics, log_requests=False):
        self.app, self.metrics, self.log_requests = app, metrics, log_requests

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        holder = {"login": None}
        token = LOGIN.set(holder)
        status = 500

        async def sending(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, sending)
        finally:
            LOGIN.reset(token)
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, str(status), seconds)
            if self.log_requests:
                access_log.info(json.dumps({
                    "method": scope["method"], "path": scope["path"], "status": status,
                    "duration_ms": round(seconds * 1000, 2), "login": holder["login"]}, ensure_ascii=False))


def log_config(level, access):
    """uvicorn's ``log_config``: kitwork's loggers and uvicorn's at ``level``, access lines on standard output."""
    plain = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"plain": plain, "line": {"format": "%(message)s"}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
                     "access": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stdout"}},
        "loggers": {
            "kitwork": {"handlers": ["default"], "level": level.upper()},
            "kitwork.access": {"handlers": ["access"], "level": "INFO" if access else "WARNING", "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
        },
    }
