"""A worker's metrics port: prometheus-client's multiprocess mode behind a bearer token.

Celery's prefork pool runs jobs in child processes, so the counters of a job (runs, solve seconds) live
in those children. In multiprocess mode each process writes its values to files in one directory
(PROMETHEUS_MULTIPROC_DIR, chosen by `debt-coord worker` before prometheus-client is imported) and the
worker's main process serves their sum on DEBT_COORD_WORKER_METRICS_PORT. One port per worker, not
per pool process, so `docker compose up --scale worker=N` needs nothing but DNS discovery in Prometheus.
"""

from __future__ import annotations

import hmac
import logging
import os
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app, multiprocess

from debt_coord.kernel.settings import Settings

log = logging.getLogger(__name__)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no access log for scrapes
        pass


def _registry() -> CollectorRegistry:
    if MULTIPROC_DIR not in os.environ:  # a worker started by `celery worker` itself: this process's only
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def guarded(app: WSGIApp, token: str) -> WSGIApp:
    expected = f"Bearer {token}".encode()

    def guarded_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sent = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1")
        if not hmac.compare_digest(sent, expected):
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Bearer realm="debt-coord-metrics"'),
                                                ("Content-Type", "text/plain")])
            return [b"Send the metrics token as 'Authorization: Bearer <token>'.\n"]
        return app(environ, start_response)

    return guarded_app


def serve_worker_metrics(settings: Settings) -> WSGIServer | None:
    """Serve this worker's metrics on its metrics port (all interfaces) on a thread; None when not configured."""
    if settings.worker_metrics_port is None:
        return None
    if settings.metrics_token is None:
        log.warning("DEBT_COORD_WORKER_METRICS_PORT is set but DEBT_COORD_METRICS_TOKEN is not: no metrics served")
        return None
    app = guarded(make_wsgi_app(_registry()), settings.metrics_token.get_secret_value())
    server = make_server("0.0.0.0", settings.worker_metrics_port, app, server_class=_Server,
                         handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="debt-coord-metrics", daemon=True).start()
    log.info("worker metrics on port %d", settings.worker_metrics_port)
    return server
