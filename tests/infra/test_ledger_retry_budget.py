"""The notifier's stream mapping has retries enough to outlast a claim left by a notifier that died.

A claim is held until its holder's deadline (the function's Timeout) plus LEASE_MARGIN_SECONDS; a retry that finds it
held waits up to its Timeout less PUBLISH_RESERVE_SECONDS before it reports it. So, however quickly the stream
retries, a held claim costs at most ceil(lease / wait) retries: the template must leave room for that and more.
"""

from __future__ import annotations

import math
from typing import Any

from shared.adapters.publish_ledger import LEASE_MARGIN_SECONDS
from shared.pipeline.notifying import PUBLISH_RESERVE_SECONDS


def test_a_dead_notifiers_claims_cost_fewer_retries_than_the_stream_mapping_allows(template: dict[str, Any]):
    # GIVEN the notifier's timeout and its stream mapping's retries
    notifier = template["Resources"]["NotifierFunction"]["Properties"]
    timeout = notifier.get("Timeout", template.get("Globals", {}).get("Function", {}).get("Timeout", 3))
    retries = notifier["Events"]["ItemsStream"]["Properties"]["MaximumRetryAttempts"]

    # WHEN a notifier dies holding claims, and every retry comes at once
    wait_per_retry = timeout - PUBLISH_RESERVE_SECONDS
    lease = timeout + LEASE_MARGIN_SECONDS
    assert wait_per_retry > 0, "the notifier's Timeout must leave time to wait for a claim beside its publishing"
    retries_spent = math.ceil(lease / wait_per_retry)

    # THEN the retries spent waiting leave at least half the mapping's retries for other failures
    assert retries_spent <= retries // 2, (retries_spent, retries)
