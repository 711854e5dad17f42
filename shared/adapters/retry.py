"""The one bounded retry of AWS batch calls: send what is pending again until nothing is or the attempts run out.

Batch APIs (BatchGetItem, BatchWriteItem, SendMessageBatch, PublishBatch) and transactions fail in part: they answer
with the part still to do (unprocessed keys, failed entries). `retry_pending` sends that part again with capped
exponential backoff. tenacity does the retrying; it is imported only when a first attempt leaves something pending,
so a handler whose calls succeed at once (the usual case) never loads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import TypeVar

Pending = TypeVar("Pending", bound=Sized)
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Backoff:
    """Wait `first` seconds after the first attempt, doubling after each further one, never more than `cap`."""

    first: float
    cap: float


IMMEDIATELY = Backoff(first=0.0, cap=0.0)


def retry_pending(
    send: Callable[[Pending], Pending], pending: Pending, *, attempts: int, backoff: Backoff, sleep: Sleep = time.sleep
) -> Pending:
    """Call `send(pending)` until what it returns as still pending is empty, at most `attempts` times in all; return
    what is still pending (empty when everything went through). Each wait goes to `sleep`, none after the last attempt.

    An exception from `send` is not retried: it propagates (the clients' own retry mode covers throttled calls).
    """
    pending = send(pending)
    if not len(pending) or attempts <= 1:
        return pending

    from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff.first, max=backoff.cap),
        retry=retry_if_result(lambda still_pending: len(still_pending) > 0),
        sleep=lambda seconds: sleep(seconds) if seconds else None,
        retry_error_callback=lambda _: None,  # out of attempts: the caller decides what the rest means
    )
    for attempt in retrying:
        with attempt:
            if attempt.retry_state.attempt_number > 1:  # the first attempt was made above, before tenacity loaded
                pending = send(pending)
        outcome = attempt.retry_state.outcome
        if outcome is not None and not outcome.failed:
            attempt.retry_state.set_result(pending)
    return pending
