"""Fault injection around the real handlers on the local stack.

- AWS faults are botocore event hooks on the cached clients of `shared.adapters.aws.aws_client` (the very clients the
  handlers use): `before-parameter-build` decides and, for batch calls, takes the entries that will fail out of the
  request;
  `before-call` answers a synthetic error instead of calling moto; `after-call` adds the failed entries back to the
  response as AWS reports them (`Failed`, `SenderFault: false`), or kills the Lambda after the call succeeded.
  A synthetic error bypasses botocore's own retries: it stands for an error that outlived them.
- A Lambda death is `LambdaDeath`, a BaseException raised from a hook: no `except Exception` (ours or Powertools')
  takes it for an ordinary error, so nothing after that point runs. The handler wrapper plays the Lambda runtime and
  reports it to the emulated event-source mapping as a failed invocation (`InvocationFailed`).
- Upstream faults come from an httpx MockTransport wrapped around the recorded APIs of `infra.local.replay`.

Hooks act only inside a handler's invocation (a thread-local names the function), so the local stack's own calls
(receiving, deleting, reading inboxes) are never touched. Every decision is drawn from a random generator per layer,
seeded from the run's seed, so a seed replays the same run.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from botocore.awsrequest import AWSResponse

from infra.local.replay import RecordedApi, answer, apis_by_host
from infra.local.replay.written_questions import RecordedQuestions
from infra.local.replay.written_statements import RecordedStatements
from shared.adapters.aws import aws_client
from shared.adapters.publish_ledger import ledger_key
from tests.faults.world import WorldItem

FETCHER, PROCESSOR, NOTIFIER = "FetcherFunction", "ProcessorFunction", "NotifierFunction"
LIST_PATHS = ("/api/writtenquestions/questions", "/api/writtenstatements/statements")


class LambdaDeath(BaseException):
    """The Lambda was killed at this point (timeout, out of memory, the host lost): nothing after it runs."""


class InvocationFailed(RuntimeError):
    """What the Lambda runtime reports to the event-source mapping for an invocation that died."""


def synthetic_error(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    """The (http, parsed) pair botocore would have made of an AWS error response."""
    http = AWSResponse("https://fault-injected.invalid", status, {}, None)
    return http, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


# Which recovery mechanism of the pipeline absorbs each fault: printed in the table of a run.
RECOVERY = {
    "upstream: read timeout": "http client retries (tenacity)",
    "upstream: 429 Retry-After: 0": "http client retries after Retry-After",
    "upstream: 5xx": "http client retries with backoff",
    "upstream: broken JSON": "http client retries",
    "upstream: answeringBodies filter ignored": "fetcher drops other departments' records",
    "sqs SendMessageBatch: call throttled": "source fails, state kept, next poll re-reads",
    "sqs SendMessageBatch: entries Failed": "RawRecordQueue resends the failed entries",
    "dynamodb PutItem (watermark): throttled": "source fails, state kept, next poll re-reads",  # or its shards
    "fetcher died after enqueue, before watermark": "next poll re-reads and re-queues the window",
    "dynamodb BatchGetItem (stored hashes): throttled": "processor skips the pre-read, conditional write decides",
    "dynamodb UpdateItem (item): throttled": "record fails alone, SQS redelivers it",
    "processor died after the item write": "batch redelivered, the write is found unchanged",
    "sqs SendMessage (DLQ): throttled": "poison record fails alone, SQS redelivers it",
    "same SQS batch to two processors at once": "conditional write: one wins, one finds it unchanged",
    "dynamodb TransactWriteItems (ledger claim): throttled": "notifier fails, stream retries (nothing claimed)",
    "dynamodb TransactWriteItems (ledger claim): TransactionConflict": "ledger retries the claim",
    "notifier died after the ledger claim, before publishing": "retry waits out the dead holder's lease, publishes",
    "sns PublishBatch: entries Failed": "publisher resends; then ledger release + stream retry",
    "notifier died after SNS accepted, before ledger complete": "retry waits out the lease, publishes (the window)",
    "notifier died after ledger complete, before batch response": "retry finds the ledger completed",
}


@dataclass
class FaultPlan:
    """Probabilities per opportunity, and caps that keep every record within the retry budgets of the template
    (SQS: 5 receives before the DLQ; stream: 10 retries with bisection): the faults are transient, as in AWS."""

    upstream_timeout: float = 0.04
    upstream_429: float = 0.04
    upstream_5xx: float = 0.04
    upstream_broken_json: float = 0.03
    upstream_filter_ignored: float = 0.15
    sqs_batch_throttled: float = 0.1
    sqs_entry_failed: float = 0.03
    watermark_throttled: float = 0.2
    fetcher_death: float = 0.12
    item_write_throttled: float = 0.05
    processor_death: float = 0.02
    processor_deaths_max: int = 3
    """Each death fails its whole batch: with one throttled write per message, at most 4 failed receives."""
    dlq_throttled: float = 0.25
    stored_hashes_throttled: float = 0.15
    concurrent_delivery: float = 0.1
    ledger_claim_throttled: float = 0.1
    ledger_claim_conflict: float = 0.1
    ledger_claim_conflicts_max: int = 3
    sns_entry_failed: float = 0.08
    sns_entry_failures_per_message: int = 5
    ledger_death_after_claim: float = 0.3
    ledger_death_before_complete: float = 0.3
    ledger_death_after_complete: float = 0.3
    ledger_deaths_max: int = 2
    """Per kind: each death costs a stream batch one bisection level of its 10 retries."""


class FakeClock:
    """The time of the publish ledger and of the stream mapping's retries: it starts now and moves only when something
    sleeps on it (the stream's backoff, the notifier waiting for a claim's lease), so a test sees retries at Lambda's
    spacing without waiting for them."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


@dataclass
class Ledger:
    """What the injector saw and did, for the assertions and the printed table."""

    injected: Counter[str] = field(default_factory=Counter)
    queued_bodies: Counter[str] = field(default_factory=Counter)
    """Every raw-record message SQS accepted from the fetcher (body → times)."""
    dead_lettered: Counter[str] = field(default_factory=Counter)
    """Every body the processor put on the DLQ (body → times)."""
    dead_letter_window: set[str] = field(default_factory=set)
    """Bodies dead-lettered by an invocation that then died, or by one of two concurrent deliveries: SQS gives them
    to the processor again, and it dead-letters them again."""
    publish_window: set[str] = field(default_factory=set)
    """Ledger keys SNS accepted in an invocation that died before marking them completed (the documented window)."""


class FaultInjector:
    def __init__(self, seed: int, plan: FaultPlan, clock: FakeClock, enabled: bool = True) -> None:
        self.seed = seed
        self.plan = plan
        self.clock = clock
        self.enabled = enabled
        self.ledger = Ledger()
        self._rngs: dict[str, random.Random] = {}
        self._lock = threading.RLock()
        self._backend = threading.RLock()
        self._local = threading.local()
        self._budget: Counter[tuple[str, str]] = Counter()
        self._registered: list[tuple[Any, str, Callable[..., Any], str]] = []
        self.forced: dict[str, tuple[int, int]] = {}
        """Deterministic faults for the crash-point tests: name → (opportunities to let pass, times to inject)."""
        self.hold_update: Callable[[dict[str, Any]], None] | None = None
        """Called with the parameters of each item write, before it is sent (the concurrency tests hold it there)."""

    # -- decisions ---------------------------------------------------------------------------------------------------

    def _rng(self, layer: str) -> random.Random:
        if layer not in self._rngs:
            self._rngs[layer] = random.Random(f"{self.seed}/{layer}")
        return self._rngs[layer]

    def decide(self, name: str, probability: float, *, key: str = "", per_key: int = 0, total: int = 0) -> bool:
        """Inject the fault `name` now? Forced faults first; random ones only inside an invocation, when enabled."""
        with self._lock:
            if name in self.forced:
                skip, times = self.forced[name]
                if skip > 0:
                    self.forced[name] = (skip - 1, times)
                elif times > 0:
                    self.forced[name] = (0, times - 1)
                    self.ledger.injected[name] += 1
                    return True
            if probability <= 0 or not self.enabled or getattr(self._local, "quiet", False):
                return False
            if per_key and self._budget[(name, key)] >= per_key:
                return False
            if total and self.ledger.injected[name] >= total:
                return False
            if self._rng(name.split(":")[0]).random() >= probability:
                return False
            self._budget[(name, key)] += 1
            self.ledger.injected[name] += 1
            return True

    def force(self, name: str, times: int = 1, skip: int = 0) -> None:
        """Inject `name` at its next `times` opportunities, after letting `skip` of them pass."""
        self.forced[name] = (skip, times)

    # -- which function is running -----------------------------------------------------------------------------------

    @property
    def function(self) -> str | None:
        return getattr(self._local, "function", None)

    @contextmanager
    def invocation(self, function: str, quiet: bool = False) -> Iterator[None]:
        self._local.function, self._local.quiet, self._local.dead_lettered = function, quiet, []
        try:
            yield
        except LambdaDeath:
            # What this invocation dead-lettered comes back with the batch and is dead-lettered again.
            self.ledger.dead_letter_window.update(self._local.dead_lettered)
            raise
        finally:
            self._local.function = None
            self._local.quiet = False

    def wrap(self, function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        """The Lambda runtime around a handler: a death becomes a failed invocation."""

        def runtime(event: dict[str, Any], context: Any) -> Any:
            try:
                with self.invocation(function, quiet=getattr(self._local, "next_quiet", False)):
                    return handler(event, context)
            except LambdaDeath as death:
                raise InvocationFailed(f"{function} died: {death}") from None

        return runtime

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """No random faults in the invocations made inside (the concurrent deliveries: the race is the fault, and
        draws from two threads would make a seed's run depend on thread timing)."""
        self._local.next_quiet = True
        try:
            yield
        finally:
            self._local.next_quiet = False

    # -- hooks -------------------------------------------------------------------------------------------------------

    def install(self) -> None:
        sqs, dynamodb, sns = aws_client("sqs"), aws_client("dynamodb"), aws_client("sns")
        hooks: list[tuple[Any, str, Callable[..., Any]]] = [
            (sqs, "before-parameter-build.sqs.SendMessageBatch", self._sqs_batch_params),
            (sqs, "before-call.sqs.SendMessageBatch", self._answer_synthetic),
            (sqs, "after-call.sqs.SendMessageBatch", self._sqs_batch_result),
            (sqs, "before-parameter-build.sqs.SendMessage", self._dlq_params),
            (sqs, "before-call.sqs.SendMessage", self._answer_synthetic),
            (sqs, "after-call.sqs.SendMessage", self._dlq_result),
            (dynamodb, "before-parameter-build.dynamodb.PutItem", self._put_item_params),
            (dynamodb, "before-call.dynamodb.PutItem", self._answer_synthetic),
            (dynamodb, "before-parameter-build.dynamodb.BatchWriteItem", self._batch_write_params),
            (dynamodb, "before-call.dynamodb.BatchWriteItem", self._answer_synthetic),
            (dynamodb, "before-parameter-build.dynamodb.UpdateItem", self._update_item_params),
            (dynamodb, "before-call.dynamodb.UpdateItem", self._answer_synthetic),
            (dynamodb, "after-call.dynamodb.UpdateItem", self._update_item_result),
            (dynamodb, "before-parameter-build.dynamodb.BatchGetItem", self._batch_get_params),
            (dynamodb, "before-call.dynamodb.BatchGetItem", self._answer_synthetic),
            (dynamodb, "before-parameter-build.dynamodb.TransactWriteItems", self._ledger_params),
            (dynamodb, "before-call.dynamodb.TransactWriteItems", self._answer_synthetic),
            (dynamodb, "after-call.dynamodb.TransactWriteItems", self._ledger_result),
            (sns, "before-parameter-build.sns.PublishBatch", self._publish_params),
            (sns, "before-call.sns.PublishBatch", self._answer_synthetic),
            (sns, "after-call.sns.PublishBatch", self._publish_result),
        ]
        for client in (sqs, dynamodb, sns):
            hooks += [
                (client, "request-created", self._backend_enter),
                (client, "response-received", self._backend_leave),
            ]
        for client, event, handler in hooks:
            unique_id = f"deptwatch-faults-{event}"
            client.meta.events.register(event, handler, unique_id=unique_id)
            self._registered.append((client, event, handler, unique_id))

    def uninstall(self) -> None:
        for client, event, handler, unique_id in self._registered:
            client.meta.events.unregister(event, handler, unique_id=unique_id)
        self._registered.clear()

    # One request at a time inside moto, as each request is atomic in AWS (moto's conditional writes are not atomic
    # across threads: two concurrent invocations would otherwise both pass a condition the service lets one pass).

    def _backend_enter(self, **_: Any) -> None:
        self._backend.acquire()
        self._local.backend_depth = getattr(self._local, "backend_depth", 0) + 1

    def _backend_leave(self, **_: Any) -> None:
        if getattr(self._local, "backend_depth", 0):
            self._local.backend_depth -= 1
            self._backend.release()

    def _answer_synthetic(self, context: dict[str, Any], **_: Any) -> Any:
        return context.pop("deptwatch_answer", None)

    # SQS: the fetcher's sends, and the processor's dead letters

    def _sqs_batch_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != FETCHER or params["QueueUrl"].endswith(".fifo"):  # raw records only, not poll messages
            return
        context["deptwatch_bodies"] = {e["Id"]: e["MessageBody"] for e in params["Entries"]}
        if self.decide("sqs SendMessageBatch: call throttled", self.plan.sqs_batch_throttled):
            context["deptwatch_answer"] = synthetic_error("ThrottlingException", "Rate exceeded (injected)")
            return
        failing = [
            entry
            for entry in params["Entries"]
            if self.decide("sqs SendMessageBatch: entries Failed", self.plan.sqs_entry_failed, key=entry["MessageBody"])
        ]
        if not failing:
            return
        context["deptwatch_failed"] = [
            {"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "injected"} for e in failing
        ]
        kept = [entry for entry in params["Entries"] if entry not in failing]
        if kept:
            params["Entries"] = kept
        else:  # SQS refuses an empty batch: answer for it
            http = AWSResponse("https://fault-injected.invalid", 200, {}, None)
            context["deptwatch_answer"] = (http, {"Successful": [], "Failed": context.pop("deptwatch_failed")})

    def _sqs_batch_result(self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != FETCHER or http_response.status_code != 200 or "deptwatch_bodies" not in context:
            return
        if failed := context.pop("deptwatch_failed", None):
            parsed["Failed"] = [*(parsed.get("Failed") or []), *failed]
        bodies = context.get("deptwatch_bodies", {})
        with self._lock:
            for entry in parsed.get("Successful") or []:
                self.ledger.queued_bodies[bodies[entry["Id"]]] += 1

    def _dlq_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != PROCESSOR:
            return
        if self.decide(
            "sqs SendMessage (DLQ): throttled", self.plan.dlq_throttled, key=params["MessageBody"], per_key=1
        ):
            context["deptwatch_answer"] = synthetic_error("ThrottlingException", "Rate exceeded (injected)")
        context["deptwatch_body"] = params["MessageBody"]

    def _dlq_result(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        if self.function != PROCESSOR or http_response.status_code != 200:
            return
        body = context["deptwatch_body"]
        with self._lock:
            self.ledger.dead_lettered[body] += 1
        self._local.dead_lettered.append(body)

    # DynamoDB: the watermark, the item write, the ledger

    def _put_item_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        key = params["Item"]["id"]["S"]
        if self.function == FETCHER and key.startswith("watermark#"):
            self._fetcher_saving_state(context)

    def _batch_write_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        writes = [write for table in params["RequestItems"].values() for write in table]
        if self.function == FETCHER and any(w["PutRequest"]["Item"]["id"]["S"].startswith("seen#") for w in writes):
            self._fetcher_saving_state(context)

    def _fetcher_saving_state(self, context: dict[str, Any]) -> None:
        """The source's state is written after its records are queued: its record-memory shards, then the watermark."""
        if self.decide("fetcher died after enqueue, before watermark", self.plan.fetcher_death):
            raise LambdaDeath("after the records were queued, before the source state was saved")
        if self.decide("dynamodb PutItem (watermark): throttled", self.plan.watermark_throttled):
            context["deptwatch_answer"] = synthetic_error("ProvisionedThroughputExceededException", "injected", 400)

    def _update_item_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != PROCESSOR:
            return
        key = f"{params['Key']['item_id']['S']}@{params['ExpressionAttributeValues'][':fetched']['S']}"
        if self.decide("dynamodb UpdateItem (item): throttled", self.plan.item_write_throttled, key=key, per_key=1):
            code = self._rng("codes").choice(["ProvisionedThroughputExceededException", "ThrottlingException"])
            context["deptwatch_answer"] = synthetic_error(code, "injected")
        if self.hold_update is not None:
            self.hold_update(params)

    def _update_item_result(self, http_response: Any, **_: Any) -> None:
        if self.function != PROCESSOR or http_response.status_code != 200:
            return
        if self.decide(
            "processor died after the item write",
            self.plan.processor_death,
            total=self.plan.processor_deaths_max,
        ):
            raise LambdaDeath("after the item was written, before the batch response")

    def _batch_get_params(self, context: dict[str, Any], **_: Any) -> None:
        if self.function == PROCESSOR and self.decide(
            "dynamodb BatchGetItem (stored hashes): throttled", self.plan.stored_hashes_throttled
        ):
            context["deptwatch_answer"] = synthetic_error("ProvisionedThroughputExceededException", "injected")

    def _ledger_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != NOTIFIER:
            return
        puts = [entry["Put"] for entry in params["TransactItems"] if "Put" in entry]
        keys = {put["Item"]["id"]["S"] for put in puts}
        if any(put["Item"]["status"]["S"] != "COMPLETED" for put in puts):  # claims
            if self.decide("dynamodb TransactWriteItems (ledger claim): throttled", self.plan.ledger_claim_throttled):
                context["deptwatch_answer"] = synthetic_error("ThrottlingException", "Rate exceeded (injected)")
            elif self.decide(
                "dynamodb TransactWriteItems (ledger claim): TransactionConflict",
                self.plan.ledger_claim_conflict,
                total=self.plan.ledger_claim_conflicts_max,
            ):
                http, parsed = synthetic_error("TransactionCanceledException", "Transaction cancelled (injected)")
                parsed["CancellationReasons"] = [{"Code": "TransactionConflict"} for _ in puts]
                context["deptwatch_answer"] = (http, parsed)
            return
        if keys & self.ledger.publish_window:
            return  # one death per message at most: its retry must be able to complete
        if self.decide(
            "notifier died after SNS accepted, before ledger complete",
            self.plan.ledger_death_before_complete,
            total=self.plan.ledger_deaths_max,
        ):
            with self._lock:
                self.ledger.publish_window |= keys
            raise LambdaDeath("after SNS accepted the messages, before the ledger marked them completed")
        context["deptwatch_completing"] = True

    def _ledger_result(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        if self.function != NOTIFIER or http_response.status_code != 200:
            return
        if not context.get("deptwatch_completing"):  # the claims were taken
            if self.decide(
                "notifier died after the ledger claim, before publishing",
                self.plan.ledger_death_after_claim,
                total=self.plan.ledger_deaths_max,
            ):
                raise LambdaDeath("after the ledger claimed the messages, before publishing them")
            return
        if self.decide(
            "notifier died after ledger complete, before batch response",
            self.plan.ledger_death_after_complete,
            total=self.plan.ledger_deaths_max,
        ):
            raise LambdaDeath("after the ledger marked the messages completed, before the batch response")

    # SNS

    def _publish_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.function != NOTIFIER:
            return
        if self.decide("sns PublishBatch: call throttled", 0.0):  # only when a test forces it
            context["deptwatch_answer"] = synthetic_error("Throttling", "Rate exceeded (injected)")
            return
        failing = [
            entry
            for entry in params["PublishBatchRequestEntries"]
            if self.decide(
                "sns PublishBatch: entries Failed",
                self.plan.sns_entry_failed,
                key=message_key(entry),
                per_key=self.plan.sns_entry_failures_per_message,
            )
        ]
        if not failing:
            return
        code = self._rng("codes").choice(["InternalError", "Throttled"])
        context["deptwatch_failed"] = [
            {"Id": e["Id"], "SenderFault": False, "Code": code, "Message": "injected"} for e in failing
        ]
        kept = [e for e in params["PublishBatchRequestEntries"] if e not in failing]
        if kept:
            params["PublishBatchRequestEntries"] = kept
        else:
            http = AWSResponse("https://fault-injected.invalid", 200, {}, None)
            context["deptwatch_answer"] = (http, {"Successful": [], "Failed": context.pop("deptwatch_failed")})

    def _publish_result(self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        failed = context.pop("deptwatch_failed", None) if self.function == NOTIFIER else None
        if failed and http_response.status_code == 200:
            parsed["Failed"] = [*(parsed.get("Failed") or []), *failed]


def message_key(entry: dict[str, Any]) -> str:
    """The ledger key of a PublishBatch entry, read from its JSON message."""
    item = json.loads(json.loads(entry["Message"])["default"])["item"]
    return ledger_key(item["id"], item["version"], item["department"]["slug"])


# --- the upstream ---------------------------------------------------------------------------------------------------


class FaultyUpstream:
    """The written-questions and written-statements APIs over the world's current records (the replay's own
    emulation: filters, date windows, pages capped at 20, list texts cut, detail endpoints), with faults."""

    def __init__(self, injector: FaultInjector) -> None:
        self.injector = injector
        self.apis: dict[str, list[RecordedApi]] = {}
        self.requests = 0
        self.ignoring: dict[str, bool] = {}
        """List path → whether the query being paged has its answeringBodies filter ignored."""

    def show(self, items: list[WorldItem], phase: int) -> None:
        """What the APIs answer from now on: each record as it is in this phase."""
        questions: dict[int, dict[str, Any]] = {}
        statements: dict[int, dict[str, Any]] = {}
        for item in items:
            record = item.record_in(phase)
            if record is not None:
                (questions if item.source == "written-questions" else statements)[record["id"]] = record
        self.apis = apis_by_host([RecordedQuestions(questions.values()), RecordedStatements(statements.values())])

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def filter_ignored(self, path: str, query: dict[str, list[str]]) -> bool:
        """Decided on a query's first page and kept for its later pages: an API that ignores a filter ignores it on
        every page. One that ignored it on some pages only would answer pages that do not add up, which fails the poll
        (tests/unit/sources/test_paging.py), and no poll here would ever complete."""
        if query.get("skip", ["0"]) == ["0"]:
            plan = self.injector.plan
            self.ignoring[path] = self.injector.decide(
                "upstream: answeringBodies filter ignored", plan.upstream_filter_ignored
            )
        return self.ignoring.get(path, False)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        plan, decide = self.injector.plan, self.injector.decide
        if decide("upstream: read timeout", plan.upstream_timeout):
            raise httpx.ReadTimeout("injected read timeout", request=request)
        if decide("upstream: 429 Retry-After: 0", plan.upstream_429):
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"title": "Too Many Requests"})
        if decide("upstream: 5xx", plan.upstream_5xx):
            status = self.injector._rng("status").choice([500, 502, 503, 504])
            return httpx.Response(status, text="<html>upstream error</html>")
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        path = request.url.path
        if path in LIST_PATHS and self.filter_ignored(path, query):
            query.pop("answeringBodies", None)
        status, body = answer(self.apis, request.url.host, path, query)
        payload = json.dumps(body).encode()
        if decide("upstream: broken JSON", plan.upstream_broken_json):
            return httpx.Response(
                200, content=payload[: len(payload) // 2], headers={"Content-Type": "application/json"}
            )
        return httpx.Response(status, content=payload, headers={"Content-Type": "application/json"})


# --- driving the local pipeline -------------------------------------------------------------------------------------


@dataclass
class PollOutcome:
    phase: int
    died: bool = False
    failed_sources: list[str] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        if self.died:
            return f"phase {self.phase}: the fetcher died"
        parts = [
            f"{r['source']} queued {r['queued']}"
            + (f", {r['unchanged']} unchanged" if r.get("unchanged") else "")
            + (f" then FAILED ({r['error'][:60]})" if r["error"] else "")
            for r in self.reports
        ]
        return f"phase {self.phase}: " + "; ".join(parts)

    @property
    def complete(self) -> bool:
        return not self.died and not self.failed_sources


class Pipeline:
    """The local stack run as AWS would run it, with a few deliveries of the same SQS batch to two processors."""

    def __init__(self, stack: Any, injector: FaultInjector) -> None:
        self.stack = stack
        self.injector = injector
        self.polls: list[PollOutcome] = []

    def poll(self, phase: int) -> PollOutcome:
        try:
            result = self.stack.run_schedule("FetcherFunction")
            if result.get("failed_invocations"):  # a poll message's invocation died (issue #12: polls are messages)
                raise InvocationFailed("a poll died")
        except InvocationFailed:
            outcome = PollOutcome(phase, died=True)
        else:
            failed = [r["source"] for r in result["sources"] if r["error"]]
            outcome = PollOutcome(phase, failed_sources=failed, reports=result["sources"])
        self.polls.append(outcome)
        return outcome

    def drain(self, max_rounds: int = 300) -> None:
        queue = self.stack.queue_mapping(PROCESSOR)
        stream = self.stack.stream_mappings[0]
        for _ in range(max_rounds):
            if self.injector.decide("same SQS batch to two processors at once", self.injector.plan.concurrent_delivery):
                busy = self.deliver_twice(queue)
            else:
                busy = self.stack.pump_queue(queue)
            busy = self.stack.pump_stream(stream) or busy
            if not busy:
                return
        raise RuntimeError(f"the pipeline was still busy after {max_rounds} rounds")

    def deliver_twice(self, mapping: Any) -> bool:
        """One batch of real messages given to two processor invocations running at the same time, as a standard queue
        may do; a message is settled when either invocation processed it."""
        sqs = self.stack.sqs
        messages = sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=min(mapping.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return False
        event = {"Records": [self.stack.lambda_sqs_record(m, mapping.queue_arn) for m in messages]}
        failures = invoke_concurrently(self.stack, mapping.function.logical_id, event, self.injector)
        failed = set.intersection(*failures)
        with self.injector._lock:
            # Both invocations dead-letter a poison record they are given.
            for message in messages:
                if self.injector.ledger.dead_lettered[message["Body"]]:
                    self.injector.ledger.dead_letter_window.add(message["Body"])
        self.stack.settle_messages(mapping, messages, failed)
        return True


def invoke_concurrently(stack: Any, function: str, event: dict[str, Any], injector: FaultInjector) -> list[set[str]]:
    """The same event to two invocations in two threads; the message ids each reported failed (all, if it raised)."""
    ids = {record["messageId"] for record in event["Records"]}
    results: list[set[str]] = [set(ids), set(ids)]

    def run(index: int) -> None:
        with injector.quietly():
            try:
                response = stack.invoke(function, event) or {}
            except Exception:
                return
        results[index] = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def deliveries_by_key(deliveries: list[Any]) -> Counter[tuple[str, int, str]]:
    """(item id, version, department) → how many messages the department's inbox received."""
    return Counter(
        (d.message["item"]["id"], d.message["item"]["version"], d.message["item"]["department"]["slug"])
        for d in deliveries
    )


def table_rows(ledger: Ledger) -> list[tuple[str, int, str]]:
    return [(name, ledger.injected.get(name, 0), recovery) for name, recovery in RECOVERY.items()]


def format_table(title: str, rows: list[tuple[str, int, str]], outcome: list[str]) -> str:
    width = max(len(name) for name, _, _ in rows)
    lines = [title, f"  {'fault injected':<{width}}  {'times':>5}  survived by", f"  {'-' * width}  -----  {'-' * 50}"]
    lines += [f"  {name:<{width}}  {count:>5}  {recovery}" for name, count, recovery in rows]
    lines += ["", *(f"  {line}" for line in outcome)]
    return "\n".join(lines)


def by_department(counter: Counter[tuple[str, int, str]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (_, _, department), count in counter.items():
        totals[department] += count
    return dict(totals)
