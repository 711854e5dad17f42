"""Fixtures of the fault suite: the stack deployed for the departments and sources of the fault world, the handlers
wrapped by a Lambda runtime that can die, the injector's hooks on the cached boto3 clients, and the upstream served
from the world through a faulty transport.

The pipeline's own waits are taken out through the constructors' parameters (`sleep=`, `clock=`), not by patching
time: the http client's backoff and the queue's and publisher's resend pauses are recorded instead of slept; the
ledger and the stream mapping's retries share a fake clock that moves when they sleep on it (Lambda's backoff between
retries, a notifier waiting for a claim's lease), never by a test jumping it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

import functions.fetcher.app as fetcher_app
import functions.notifier.app as notifier_app
import functions.processor.app as processor_app
from shared.adapters.http import UpstreamClient
from shared.adapters.publish_ledger import PublishLedger
from shared.adapters.sns import SnsPublisher
from shared.adapters.sqs import RawRecordQueue
from shared.container import reset_container_caches
from shared.observability import logger
from tests.faults.harness import (
    FETCHER,
    NOTIFIER,
    PROCESSOR,
    FakeClock,
    FaultInjector,
    FaultPlan,
    FaultyUpstream,
    Pipeline,
)
from tests.faults.world import WATCHED


@pytest.fixture
def stack_parameters() -> dict[str, str]:
    """The fault world's sources, and only its watched departments (others come only from an ignored filter)."""
    return {"Sources": "written-questions,written-statements", "Departments": ",".join(sorted(WATCHED))}


@pytest.fixture
def stack_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # no metric lines on stdout (read at flush time)
    return {}


@pytest.fixture(autouse=True)
def quiet_function_logs() -> Iterator[None]:
    """The functions' JSON log lines would bury the printed table under `-s`; errors are still shown on failure."""
    level = logger.log_level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class Rig:
    """Everything a fault test drives: the stack, the injector, the faulty upstream and the pipeline."""

    def __init__(self, stack: Any, injector: FaultInjector, upstream: FaultyUpstream, clock: FakeClock) -> None:
        self.stack = stack
        self.injector = injector
        self.upstream = upstream
        self.clock = clock
        self.pipeline = Pipeline(stack, injector)
        self.backoff: list[float] = []
        """Waits the pipeline asked for (http backoff, resend pauses), recorded instead of slept."""


@pytest.fixture
def rig_factory(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def build(seed: int = 0, plan: FaultPlan | None = None, enabled: bool = True) -> Rig:
        clock = FakeClock()
        injector = FaultInjector(seed, plan or FaultPlan(), clock, enabled=enabled)
        upstream = FaultyUpstream(injector)
        rig = Rig(stack, injector, upstream, clock)
        record = rig.backoff.append
        monkeypatch.setattr(
            fetcher_app, "UpstreamClient", partial(UpstreamClient, transport=upstream.transport(), sleep=record)
        )
        monkeypatch.setattr(fetcher_app, "RawRecordQueue", partial(RawRecordQueue, sleep=record))
        monkeypatch.setattr(notifier_app, "SnsPublisher", partial(SnsPublisher, sleep=record))
        monkeypatch.setattr(notifier_app, "PublishLedger", partial(PublishLedger, clock=clock, sleep=clock.sleep))
        monkeypatch.setattr(stack, "sleep", clock.sleep)  # the stream mapping's backoff between retries
        for module, function in ((fetcher_app, FETCHER), (processor_app, PROCESSOR), (notifier_app, NOTIFIER)):
            monkeypatch.setattr(module, "lambda_handler", injector.wrap(function, module.lambda_handler))
        reset_container_caches()  # built on first use, with the constructors above
        injector.install()
        rigs.append(rig)
        return rig

    try:
        yield build
    finally:
        for rig in rigs:
            rig.injector.uninstall()
        reset_container_caches()
