"""Publishing once through the publish ledger: what the notifier and the digester share.

Each message's key is claimed in the ledger before it is published, marked completed once SNS has it, and released
when its publish failed (so that a retry publishes it). The ledger (shared/adapters/publish_ledger.py) keeps the
claims and SNS (shared/adapters/sns.py) publishes; this is the one place that puts the two in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.adapters.publish_ledger import ClaimOutcome, PublishLedger
from shared.adapters.sns import Outgoing, SnsPublisher


@dataclass(frozen=True)
class PublishedOnce:
    """What became of each message's key, in the order the messages were given."""

    published: list[str]
    """Published now, and marked completed."""
    done: list[str]
    """Published before (the ledger says so): not published again."""
    busy: list[str]
    """Claimed by another invocation whose lease had not ended: not published (a retry publishes them)."""
    failed: dict[str, str]
    """Key → why SNS did not take it; its claim released, so that a retry publishes it."""


def publish_once(
    ledger: PublishLedger,
    publisher: SnsPublisher,
    messages: Sequence[Outgoing],
    held_for: float,
    wait_for: float = 0.0,
) -> PublishedOnce:
    """Claim the messages' keys (held `held_for` seconds; claims held by others waited for `wait_for` seconds at
    most), publish those claimed, then complete the published and release the failed.

    A publisher that raises has published nothing known: every claim is released and the exception propagates.
    Messages must have distinct keys (a key met twice is the caller's to drop).
    """
    claims = ledger.claim([message.key for message in messages], held_for=held_for, wait_for=wait_for)
    claimed = [message for message in messages if claims[message.key] is ClaimOutcome.CLAIMED]
    try:
        failures = publisher.publish(claimed)
    except Exception:
        ledger.release([message.key for message in claimed])
        raise
    published = [message.key for message in claimed if message.key not in failures]
    ledger.complete(published)
    ledger.release(failures)
    return PublishedOnce(
        published=published,
        done=[message.key for message in messages if claims[message.key] is ClaimOutcome.DONE],
        busy=[message.key for message in messages if claims[message.key] is ClaimOutcome.BUSY],
        failed=failures,
    )
