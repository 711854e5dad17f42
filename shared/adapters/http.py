"""The one outbound HTTP client: explicit timeouts, a User-Agent naming the project, retries with backoff and jitter.

Retries come from tenacity: 429 and 5xx (honouring Retry-After), timeouts and connection errors (not a host name that
does not resolve: no network, or no such host, fails at once), bounded by attempts
and by a deadline (the Lambda's remaining time), so a source that keeps failing gives up in time for the others. Every
request (list pages, details, retries) is paced per host (`HostPacer`): the upstreams are shared public services.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # httpx and tenacity are imported when a client is made: the processor and notifier never need them
    import httpx
    from tenacity import RetryCallState

USER_AGENT = "deptwatch/0.1 (+https://github.com/deptwatch/deptwatch)"
TIMEOUT_SECONDS = {"connect": 5.0, "read": 20.0, "write": 10.0, "pool": 5.0}
MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_SECONDS = 30.0

QueryParams = Mapping[str, str | int | bool | Sequence[str | int]]


class UpstreamError(Exception):
    """An upstream request that failed for good (after retries)."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url


class UpstreamUnreachableError(UpstreamError):
    """The host could not be reached at all (DNS, refused connection, no network)."""


class TransientUpstreamError(UpstreamError):
    """Worth retrying: timeouts, connection errors, 429 and 5xx."""

    def __init__(self, message: str, url: str, retry_after: float | None = None, unreachable: bool = False) -> None:
        super().__init__(message, url)
        self.retry_after = retry_after
        self.unreachable = unreachable


class UpstreamResponseError(UpstreamError):
    """A response that is not what was asked for: a 4xx, JSON that does not parse, or the wrong shape."""


def _name_not_resolved(error: BaseException) -> bool:
    """Whether a connection failed on name resolution (socket.gaierror, under httpx's and httpcore's wrappers)."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain is a few links long; the bound only guards against a cycle
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _WaitRetryAfterOrBackoff:
    """Wait what the server asked for (Retry-After), else exponential backoff with jitter."""

    def __init__(self) -> None:
        from tenacity import wait_exponential_jitter

        self._backoff = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TransientUpstreamError) and error.retry_after is not None:
            return error.retry_after
        return float(self._backoff(state))


class _StopAt:
    """Stop retrying once the deadline (on the client's clock) is less than a second away: the Lambda's time is up."""

    def __init__(self, deadline: Callable[[], float | None], clock: Callable[[], float]) -> None:
        self._deadline = deadline
        self._clock = clock

    def __call__(self, state: RetryCallState) -> bool:
        deadline = self._deadline()
        return deadline is not None and self._clock() + 1.0 >= deadline


class HostPacer:
    """At most `per_second` requests to each host: a request starts no sooner than 1/per_second after the previous
    one to the same host started. A poll is one thread, so it is also one request at a time per invocation.

    A next-allowed time per host is all a single-threaded client needs; a token-bucket library would add bursts we do
    not want, and an import on the cold start. A wait already longer than the pace (a Retry-After, a backoff) costs
    no further wait. `per_second` None or 0: not paced (the local replay of recorded responses is our own server).
    """

    def __init__(self, per_second: float | None, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_start: dict[str, float] = {}

    def wait_for(self, host: str) -> None:
        if not self._interval:
            return
        wait = self._next_start.get(host, 0.0) - self._clock()
        if wait > 0:
            self._sleep(wait)
        self._next_start[host] = self._clock() + self._interval


class UpstreamClient:
    """GETs JSON from the upstream APIs. One instance per Lambda container (connection reuse)."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_attempts: int = MAX_ATTEMPTS,
        origin_overrides: Mapping[str, str] | None = None,
        requests_per_second: float | None = None,
    ) -> None:
        import httpx

        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(**TIMEOUT_SECONDS),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )
        self._sleep = sleep
        self._clock = clock
        self._pacer = HostPacer(requests_per_second, clock, sleep)
        """Every attempt of every request waits its turn for its host (the fetcher: UPSTREAM_REQUESTS_PER_SECOND)."""
        self._max_attempts = max_attempts
        self._overrides = dict(origin_overrides or {})
        """Origin ("https://host") → base URL to use instead: a mirror, or the local replay of recorded responses."""
        self.deadline: float | None = None
        """The clock's time (time.monotonic()) after which no retry starts (set per invocation from the Lambda's
        remaining time)."""
        self.requests = 0

    def clock(self) -> float:
        """The client's clock (time.monotonic, or a test's): deadlines and budgets are on it."""
        return self._clock()

    def get_json(self, url: str, params: QueryParams | None = None) -> Any:
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, stop_any

        url = self._redirected(url)
        retrying = Retrying(
            # Any callable of the retry state stops tenacity; only its annotations ask for its own base class.
            stop=stop_any(stop_after_attempt(self._max_attempts), _StopAt(lambda: self.deadline, self._clock)),  # type: ignore[arg-type]
            wait=_WaitRetryAfterOrBackoff(),
            retry=retry_if_exception_type(TransientUpstreamError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._get_once, url, params)
        except TransientUpstreamError as error:
            if error.unreachable:
                raise UpstreamUnreachableError(str(error), error.url) from error
            raise UpstreamError(str(error), error.url) from error

    def _redirected(self, url: str) -> str:
        parts = urlsplit(url)
        base = self._overrides.get(f"{parts.scheme}://{parts.netloc}")
        return f"{base.rstrip('/')}{parts.path}" + (f"?{parts.query}" if parts.query else "") if base else url

    def _get_once(self, url: str, params: QueryParams | None) -> Any:
        import httpx

        self._pacer.wait_for(urlsplit(url).netloc)
        self.requests += 1
        try:
            response = self._client.get(url, params=params)  # type: ignore[arg-type]
        except httpx.TimeoutException as error:
            raise TransientUpstreamError(f"timed out: {error.__class__.__name__}", url) from error
        except httpx.ConnectError as error:
            if _name_not_resolved(error):  # no network, or no such host: another try would only say it again
                raise UpstreamUnreachableError(f"could not resolve the host name: {error}", url) from error
            raise TransientUpstreamError(f"could not connect: {error}", url, unreachable=True) from error
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise TransientUpstreamError(f"could not connect: {error}", url) from error
        where = str(response.request.url)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientUpstreamError(
                f"HTTP {response.status_code}", where, retry_after=_retry_after_seconds(response)
            )
        if response.status_code >= 400:
            raise UpstreamResponseError(
                f"HTTP {response.status_code}: {response.text[:300]}", where, status=response.status_code
            )
        try:
            return response.json()
        except ValueError as error:
            # A truncated or garbled body is usually a proxy hiccup: worth another try.
            raise TransientUpstreamError(f"response is not JSON ({error})", where) from error

    def close(self) -> None:
        self._client.close()
