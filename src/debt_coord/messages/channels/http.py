"""Posting to a provider's HTTPS API (the SMS gateway, the WhatsApp Cloud API), with what can go wrong mapped."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from functools import lru_cache

import certifi
import httpx

from debt_coord.messages.channels.base import SendFailed, SendUncertain

TIMEOUT_SECONDS = 15.0
_NO_ANSWER = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)
"""The request went out whole but no answer came back: the provider may have taken the message."""


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The CA bundle httpx trusts (certifi), loaded once: a client without it loads the bundle again (~40 ms)."""
    return ssl.create_default_context(cafile=certifi.where())


async def post(provider: str, http: httpx.AsyncClient | None,
               request: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]) -> httpx.Response:
    """`request` on `http` (a test's or a long-lived client) or on a client of its own. No answer after the request
    went out: SendUncertain (never sent again); not reachable: SendFailed, worth trying again."""
    try:
        if http is not None:
            return await request(http)
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, verify=tls_context()) as client:
            return await request(client)
    except _NO_ANSWER as error:
        raise SendUncertain(f"no answer from the {provider}: {type(error).__name__}") from None
    except httpx.HTTPError as error:
        raise SendFailed(f"{provider} not reachable: {type(error).__name__}", permanent=False) from None
