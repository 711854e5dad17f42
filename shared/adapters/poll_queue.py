"""The poll queue (SQS FIFO): one message per poll of one source, in the message group of its upstream host."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from shared.adapters.retry import Backoff, Sleep, retry_pending
from shared.adapters.sqs import QueueSendError
from shared.domain.poll_message import PollMessage

SEND_ATTEMPTS = 5
SEND_BACKOFF = Backoff(first=0.1, cap=2.0)
BATCH_LIMIT = 10


class PollQueue:
    """Sends poll messages (SendMessageBatch, 10 at most a call; each a few hundred bytes, far from 1 MiB)."""

    def __init__(self, client: Any, queue_url: str, sleep: Sleep = time.sleep) -> None:
        self._client = client
        self._url = queue_url
        self._sleep = sleep

    def send(self, messages: Sequence[PollMessage]) -> int:
        for start in range(0, len(messages), BATCH_LIMIT):
            entries = {str(i): message for i, message in enumerate(messages[start : start + BATCH_LIMIT])}
            unsent = retry_pending(self._send, entries, attempts=SEND_ATTEMPTS, backoff=SEND_BACKOFF, sleep=self._sleep)
            if unsent:
                raise QueueSendError(f"SQS failed {len(unsent)} poll message(s) after {SEND_ATTEMPTS} attempts")
        return len(messages)

    def _send(self, entries: dict[str, PollMessage]) -> dict[str, PollMessage]:
        response = self._client.send_message_batch(
            QueueUrl=self._url,
            Entries=[
                {
                    "Id": entry_id,
                    "MessageBody": message.to_body(),
                    "MessageGroupId": message.group or message.source,
                    "MessageDeduplicationId": message.deduplication_id,
                }
                for entry_id, message in entries.items()
            ],
        )
        failed = response.get("Failed") or []
        permanent = [f for f in failed if f.get("SenderFault")]
        if permanent:
            reasons = "; ".join(f"{f.get('Code')}: {f.get('Message')}" for f in permanent)
            raise QueueSendError(f"SQS rejected {len(permanent)} poll message(s): {reasons}")
        return {f["Id"]: entries[f["Id"]] for f in failed}
