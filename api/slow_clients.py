"""A request body must arrive in full within DEBT_COORD_BODY_TIMEOUT_SECONDS of its head.

No ASGI server limits the time a body may take (Hypercorn's `read_timeout` restarts at every byte, so a client
sending one byte a second is never cut off), so the app does: it reads the body through a receive that gives up
at the deadline, and answers 408 with `Connection: close`, after which the server closes the connection. Slow
request heads are the server's to cut off (api/server.py).
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Scopes, Send

TIMED_OUT = "The request body did not arrive in time: send it in full within {seconds:g} seconds."


class BodyDeadline:
    """`receive`, until the last part of the body, within `seconds` of the request head."""

    def __init__(self, receive: Receive, seconds: float) -> None:
        self.receive, self.seconds = receive, seconds
        self.deadline = asyncio.get_running_loop().time() + seconds
        self.complete = False

    async def __call__(self) -> Message:
        if self.complete:  # afterwards Litestar only listens for the client going away: no deadline for that
            return await self.receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            raise HTTPException(status_code=408, detail=TIMED_OUT.format(seconds=self.seconds),
                                headers={"Connection": "close"}) from None
        self.complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message


class BodyDeadlineMiddleware(ASGIMiddleware):
    scopes: Scopes = (ScopeType.HTTP,)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await next_app(scope, BodyDeadline(receive, self.seconds), send)
