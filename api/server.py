"""The HTTP server that `debt-coord serve` runs: Hypercorn, which cuts off clients that send a request slowly.

uvicorn has no limit on the time a request head may take: a client sending a byte a second held a connection as
long as it liked. Hypercorn gives every connection `keep_alive_timeout` to deliver a complete request head,
counted from when it connects or got its previous answer and not restarted by each byte (its idle timer stops only
once a head is complete). The body's deadline is the app's own (api/slow_clients.py): no server has one.
"""

from __future__ import annotations

import asyncio
import logging

from hypercorn.asyncio import serve
from hypercorn.config import Config
from litestar import Litestar

from api.log_redaction import redact_access_log
from debt_coord.kernel.settings import Settings

ACCESS_LOG, ERROR_LOG = "hypercorn.access", "hypercorn.error"


def server_config(settings: Settings) -> Config:
    config = Config()
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    config.bind = [f"{host}:{settings.port}"]
    config.keep_alive_timeout = settings.header_timeout_seconds
    # Through the app's logging (Litestar's format, or one JSON object per line), not handlers of Hypercorn's own.
    config.accesslog, config.errorlog = logging.getLogger(ACCESS_LOG), logging.getLogger(ERROR_LOG)
    return config


def run(app: Litestar, settings: Settings) -> None:
    """Serve `app` until SIGINT or SIGTERM; the requests under way finish first."""
    redact_access_log()
    asyncio.run(serve(app, server_config(settings)))  # type: ignore[arg-type]  # a Litestar app is an ASGI app
