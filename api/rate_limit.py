"""Rate limits per API key: a fixed window of requests per key, counted in Redis or in memory.

Litestar's own RateLimitMiddleware can key on the API key, but it reads the history, appends and
writes it back under a lock of its own process: several API processes on one Redis lose each
other's counts, and it sends no `Retry-After`. This one counts with one atomic Redis transaction
(SET NX EX + INCR + TTL), so every process of the API sees the same count, and answers `429` with
`Retry-After` and an RFC 9457 body (through the app's HTTPException handler).

A key is counted by its SHA-256 (the plain key goes nowhere, not even into Redis); a request
without a bearer key is counted by its client address. Keys that are refused (401) are also
counted by the client's address, so that guessing keys (each new guess a fresh count of its own)
is limited too: an address over the limit of refused keys gets 429 for any key until its window
ends. If Redis does not answer, requests pass: a broken limiter must not take the API down with it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

import redis.asyncio as aioredis
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.middleware.base import AbstractMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from debt_coord.kernel.settings import Settings
from debt_coord.observability.metrics import RATE_LIMIT_REFUSALS

log = logging.getLogger(__name__)
REDIS_PREFIX = "debt_coord:rate:"


def address(scope: Scope) -> str:
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


def identity(scope: Scope) -> str:
    """Who is counted: the bearer key's hash, or the client address for a request without one."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return "key:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return address(scope)


def refused_keys(scope: Scope) -> str:
    """The count of refused keys from the request's client address."""
    return "refused:" + address(scope)


class RateLimiter:
    """`limit` requests per `window` seconds per identity; the window starts at the identity's first request."""

    def __init__(self, limit: int, window: int, redis_url: str | None) -> None:
        self.limit, self.window, self.redis_url = limit, window, redis_url
        self._redis: aioredis.Redis | None = None
        self._memory: dict[str, tuple[float, int]] = {}  # identity -> (window ends, monotonic; count)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(settings.rate_limit_requests, settings.rate_limit_window_seconds,
                   settings.rate_limit_redis_url or settings.redis_url)

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def hit(self, who: str) -> tuple[int, int]:
        """Count one request of `who`: (requests in the current window, seconds until it ends)."""
        if self.redis_url is None:
            return self._hit_in_memory(who)
        key = REDIS_PREFIX + who
        async with self._client(self.redis_url).pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=self.window, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        return int(count), max(int(ttl), 1)

    async def peek(self, who: str) -> tuple[int, int]:
        """Requests of `who` in the current window and seconds until it ends, without counting one."""
        if self.redis_url is None:
            ends, count = self._memory.get(who, (0.0, 0))
            left = ends - time.monotonic()
            return (count, max(math.ceil(left), 1)) if left > 0 else (0, self.window)
        async with self._client(self.redis_url).pipeline(transaction=True) as pipe:
            pipe.get(REDIS_PREFIX + who)
            pipe.ttl(REDIS_PREFIX + who)
            count, ttl = await pipe.execute()
        return int(count or 0), max(int(ttl), 1)

    def _client(self, redis_url: str) -> aioredis.Redis:
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        return self._redis

    def _hit_in_memory(self, who: str) -> tuple[int, int]:
        now = time.monotonic()
        ends, count = self._memory.get(who, (0.0, 0))
        if ends <= now:
            ends, count = now + self.window, 0
            if len(self._memory) > 10_000:  # forget finished windows now and then
                self._memory = {k: v for k, v in self._memory.items() if v[0] > now}
        self._memory[who] = (ends, count + 1)
        return count + 1, max(math.ceil(ends - now), 1)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


class RateLimitMiddleware(AbstractMiddleware):
    def __init__(self, app: ASGIApp, limiter: RateLimiter, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.limiter.enabled:
            await self.app(scope, receive, send)
            return
        who = identity(scope)
        keyed = who.startswith("key:")
        try:
            self._check(*await self.limiter.hit(who), "with this key" if keyed else "from this address",
                        limit="key" if keyed else "address")
            if keyed:
                self._check(*await self.limiter.peek(refused_keys(scope)), "with refused keys from this address",
                            limit="refused_keys", allowance=0)
        except (aioredis.RedisError, OSError) as error:
            log.warning("rate limit not checked, Redis does not answer: %s", type(error).__name__)
        refused = False

        async def watch(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 401:
                refused = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except NotAuthorizedException:  # the authentication middleware raises; the app answers it outside
            refused = True
            raise
        finally:
            if refused and keyed:
                await self._count_refused(scope)

    async def _count_refused(self, scope: Scope) -> None:
        try:
            await self.limiter.hit(refused_keys(scope))
        except (aioredis.RedisError, OSError) as error:
            log.warning("refused key not counted, Redis does not answer: %s", type(error).__name__)

    def _check(self, count: int, retry_after: int, what: str, *, limit: str, allowance: int = 1) -> None:
        """429 once `count` passes the limit; `allowance` is 1 when `count` includes this request."""
        if count - allowance >= self.limiter.limit:
            RATE_LIMIT_REFUSALS.labels(limit).inc()
            raise TooManyRequestsException(
                detail=f"Too many requests {what}: at most {self.limiter.limit} per "
                       f"{self.limiter.window} s. Retry after {retry_after} s.",
                headers={"Retry-After": str(retry_after),
                         "RateLimit-Policy": f"{self.limiter.limit};w={self.limiter.window}"},
            )
