"""`deptwatch run` and `deptwatch ingest`: the whole pipeline on the local stack (moto as the embedded AWS).

The product CLI (infra.cli) imports this module only when one of these commands is run, so that the commands for a
deployed stack work without moto installed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from infra.local.progress import Progress
from infra.local.reachability import no_network_line
from infra.local.stack import Delivery, LocalStack, local_stack, use_local_environment
from infra.local.state import StateError, StateNotSaved, kept_state
from shared.domain.timeutil import LONDON
from shared.pipeline.digesting import SETTLE, period_covered
from shared.watching.watch import Frequency, Watch, problems

INGEST_CHUNK = 100
"""Records put on the queue at a time by `ingest`, each chunk drained before the next: moto's SQS costs grow with the
queue's length per call (every send and receive walks the queue), so one queue of the whole file made ingest O(n²)."""


def print_deliveries(deliveries: Sequence[Delivery], as_json: bool, out: TextIO, asked: Collection[str] = ()) -> None:
    """Each message as JSON lines, or as e-mails under a heading per topic. `asked`: the departments polled for
    (none: all); a section for another department says why it is there."""
    if as_json:
        for delivery in deliveries:
            out.write(json.dumps(delivery.as_json(), ensure_ascii=False) + "\n")
        out.flush()  # each line as soon as its message is delivered
        return
    by_department: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_department.setdefault(f"watch:{delivery.watch}" if delivery.watch else delivery.department, []).append(
            delivery
        )
    for department, items in sorted(by_department.items()):
        name = items[0].message.get("item", {}).get("department", {}).get("name", department)
        heading = f"Watch {items[0].watch}" if items[0].watch else f"{name} ({department})"
        out.write(f"\n=== {heading}: {len(items)} notification(s) ===\n")
        if asked and not items[0].watch and department not in asked:
            out.write(f"({_why_not_asked_for_is_shown(items, asked)})\n")
        for delivery in items:
            attributes = ", ".join(
                f"{name}={','.join(value) if isinstance(value, list) else value}"
                for name, value in sorted(delivery.attributes.items())
            )
            out.write(f"\n--- {delivery.subject}\n    [{attributes}]\n\n")
            out.write("\n".join(f"    {line}" if line else "" for line in delivery.email.splitlines()) + "\n")
    out.flush()


def _why_not_asked_for_is_shown(deliveries: Sequence[Delivery], asked: Collection[str]) -> str:
    shared_with = {
        department["slug"]: department["name"]
        for delivery in deliveries
        for department in delivery.message.get("item", {}).get("departments", [])
        if department.get("slug") in asked
    }
    if not shared_with:
        return "not asked for: found while polling the departments you asked for, and this department's too"
    return (
        f"not asked for: shared with {', '.join(sorted(shared_with.values()))}, which you asked for; "
        "an item shared by several departments is notified to each of them"
    )


def _asked_departments(args: argparse.Namespace) -> tuple[str, ...]:
    """The departments `run --departments` polls (none: all of them)."""
    departments = getattr(args, "departments", None)
    return () if not departments or departments == "all" else tuple(departments.split(","))


def _source_failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [report for report in result.get("sources", []) if report.get("error")]


def _state_errors(command: Callable[[argparse.Namespace, TextIO], int]) -> Callable[[argparse.Namespace, TextIO], int]:
    """A `--state` directory that cannot be used: one line, exit 2."""

    def checked(args: argparse.Namespace, out: TextIO) -> int:
        try:
            return command(args, out)
        except StateError as error:
            sys.stderr.write(f"deptwatch: {error}\n")
            return 2
        except StateNotSaved as error:  # as a shell reports a command ended by Ctrl-C
            sys.stderr.write(f"deptwatch: {error}\n")
            return 130

    return checked


def _no_upstream_reached(result: dict[str, Any]) -> bool:
    """Whether every source of the poll failed for want of its upstream host (no network): then says so in one line,
    with the offline way, instead of a failure per source."""
    failures = _source_failures(result)
    if not failures or len(failures) != len(result.get("sources", [])):
        return False
    if not all(f.get("unreachable_host") for f in failures):
        return False
    hosts = {f.get("unreachable_host") or "the upstream APIs" for f in failures}
    sys.stderr.write(no_network_line(hosts))
    return True


@_state_errors
def command_run(args: argparse.Namespace, out: TextIO) -> int:
    use_local_environment()
    if args.digest and args.watch:  # each poll's digest would cover the period before it: items digested again
        sys.stderr.write("deptwatch: --digest runs one digest after one poll: it cannot be given with --watch\n")
        return 2
    try:
        watches = read_watches(Path(args.watches)) if args.watches else []
    except WatchesFileError as error:
        sys.stderr.write(f"deptwatch: {args.watches}: {error}\n")
        return 2
    parameters = {"Departments": args.departments} if args.departments else {}
    try:
        with (
            upstream(args.offline) as (environment, earliest),
            local_stack(parameters, environment) as stack,
            kept_state(stack, getattr(args, "state", None)) as state,
        ):
            since = args.since or earliest
            stack.add_watches(watches)
            first = True
            while True:
                code = _poll_once(stack, since if first else None, args, out)
                if args.digest and code != 2 and not stack.versions_stored:
                    # With --state the versions of earlier runs are kept: a digest of the day before now would
                    # send again what an earlier run's digest sent, and this run has nothing new to add to it.
                    sys.stderr.write("deptwatch: no new version stored: no digest to send\n")
                elif args.digest and code != 2:  # as at the end of the period that holds everything just stored
                    failed = run_digest(stack, args.digest, datetime.now(UTC) + SETTLE, args.json, out)
                    code = max(code, 1 if failed else 0)
                if code or not args.watch:
                    return code
                state.save()  # the polls announced so far, kept if a later one is interrupted
                first = False
                time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


@contextmanager
def upstream(offline: bool) -> Iterator[tuple[dict[str, str], str | None]]:
    """The local functions' environment for the upstream APIs, and where the recordings start: the live APIs as they
    are, or (offline) the recorded responses on a loopback server for as long as the context lasts."""
    if not offline:
        yield {}, None
        return
    from infra.local.replay import replay_server

    with replay_server() as (overrides, earliest):
        # Our own loopback server: no one to be polite to.
        yield (
            {"UPSTREAM_OVERRIDES": json.dumps(overrides), "UPSTREAM_REQUESTS_PER_SECOND": "0"},
            (earliest.isoformat() if earliest else None),
        )


def _poll_once(stack: LocalStack, since: str | None, args: argparse.Namespace, out: TextIO) -> int:
    event: dict[str, Any] = {"since": since} if since else {}
    if args.delivery:  # the fetcher's event contract (issue #12): what becomes of this poll's new versions
        event["delivery"] = args.delivery
    result = stack.invoke(
        "FetcherFunction", {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}, **event}
    )
    result = stack.run_own_queues("FetcherFunction", result)  # the polls it dispatched
    failures = _source_failures(result)
    if _no_upstream_reached(result):
        return 2
    for failure in failures:
        sys.stderr.write(f"deptwatch: source {failure['source']} failed: {failure['error']}\n")
    withheld_before = _withheld(stack)
    deliveries: list[Delivery] = []
    progress = Progress(Progress.wanted(args.quiet))
    progress.queued(sum(report["queued"] for report in result.get("sources", [])))
    try:
        stack.drain(after_round=_show_round(stack, progress, args, out, deliveries))
    finally:
        progress.close()
    withheld = _withheld(stack) - withheld_before
    if not args.json:
        queued = sum(report["queued"] for report in result.get("sources", []))
        # The poll's own time: with --watch the summaries of hours of polls follow one another (issue #16).
        polled = datetime.now(LONDON).strftime("%Y-%m-%d %H:%M:%S %Z")
        out.write(f"\n[{polled}] {queued} record(s) fetched, {len(deliveries)} notification(s) delivered.\n")
    _report_withheld(withheld)
    return 1 if failures else 0


def _show_round(
    stack: LocalStack, progress: Progress, args: argparse.Namespace, out: TextIO, deliveries: list[Delivery]
) -> Callable[[], None]:
    """After each round of the local pipeline: print what was delivered, and move the progress on."""

    def show() -> None:
        delivered = stack.collect_deliveries()
        deliveries.extend(delivered)
        with progress.aside():
            print_deliveries(delivered, args.json, out, _asked_departments(args))
        stored = sum(stack.versions_stored.values())
        progress.show(stack.records_processed, stored, len(deliveries), sum(_withheld(stack).values()))

    return show


def _withheld(stack: LocalStack) -> Counter[str]:
    return Counter({d: n for d, n in stack.versions_stored.items() if d != "notify"})


def _report_withheld(withheld: Counter[str]) -> None:
    """Quiet (and digest) versions are deliberate, never silent: say how many were stored and not published."""
    if withheld.get("quiet"):
        sys.stderr.write(
            f"deptwatch: {withheld['quiet']} new version(s) stored quietly, published to no topic "
            "(`deptwatch notify` publishes them)\n"
        )
    if withheld.get("digest"):
        sys.stderr.write(f"deptwatch: {withheld['digest']} new version(s) stored for the digest, not one by one\n")


@_state_errors
def command_ingest(args: argparse.Namespace, out: TextIO) -> int:
    from shared.adapters.aws import aws_client
    from shared.adapters.sqs import QueueSendError, RawRecordQueue
    from shared.domain.departments import UnknownDepartmentError, by_slug
    from shared.domain.raw_record import Delivery as RecordDelivery
    from shared.domain.raw_record import RawRecordMessage
    from shared.domain.timeutil import utc_now
    from shared.sources import get_source

    use_local_environment()
    try:
        files = [(get_source(name), path) for name, path in sourced_files(args.files, args.source)]
        digest_at = digest_time(args.digest, args.at)
    except IngestArgumentError as error:
        sys.stderr.write(f"deptwatch: {error}\n")
        return 2
    if args.department:
        try:
            by_slug(args.department)
        except UnknownDepartmentError as error:
            sys.stderr.write(f"deptwatch: {error.args[0]}\n")
            return 2
    watches = []
    if args.watches:
        try:
            watches = read_watches(Path(args.watches))
        except WatchesFileError as error:
            sys.stderr.write(f"deptwatch: {args.watches}: {error}\n")
            return 2
    failed = False
    deliveries: list[Delivery] = []
    progress = Progress(Progress.wanted(args.quiet))
    with local_stack() as stack, kept_state(stack, getattr(args, "state", None), "files") as state, closing(progress):
        stack.add_watches(watches)
        if digest_at is not None:  # every version stored at the end of the period the digest covers
            stack.stored_at = period_covered(Frequency(args.digest), digest_at).end
        show_round = _show_round(stack, progress, args, out, deliveries)
        queue = RawRecordQueue(aws_client("sqs"), stack.output("RawRecordsQueueUrl"))
        for source, path in files:
            try:
                body = json.loads(Path(path).read_bytes().decode("utf-8"))
                records = source.records_from_response(body)
            except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
                if isinstance(error, RecursionError):
                    reason = "not JSON that can be read (nested too deeply)"
                elif isinstance(error, json.JSONDecodeError):
                    reason = f"not JSON ({error})"
                else:
                    reason = str(error)
                sys.stderr.write(f"deptwatch: {path}: {reason}\n")
                failed = True
                continue
            skipped = sum(not source.notifiable(record) for record in records)
            if skipped:
                sys.stderr.write(f"deptwatch: {path}: {skipped} record(s) deptwatch does not notify (skipped)\n")
            fetched_at = utc_now()
            messages = [
                RawRecordMessage(
                    source=source.name,
                    record=record,
                    department=args.department,
                    fetched_at=fetched_at,
                    origin=f"{path}#{position}",
                    delivery=RecordDelivery(args.delivery),
                )
                for position, record in enumerate(records)
                if source.notifiable(record)
            ]
            progress.queued(len(messages))
            try:
                for start in range(0, len(messages), INGEST_CHUNK):
                    queue.send(messages[start : start + INGEST_CHUNK])
                    stack.drain(after_round=show_round)
            except QueueSendError as error:
                sys.stderr.write(f"deptwatch: {path}: {error}\n")
                failed = True
                continue
            named = {
                f"{source.name}:{source.record_key(m.record)}".lower(): _describe_origin(m.model_dump_json())
                for m in messages
            }
            for rejected in [*_take_dead_letters(stack), *_take_notifier_failures(stack, named)]:
                sys.stderr.write(f"deptwatch: {rejected}\n")
                failed = True
        _report_withheld(_withheld(stack))
        if digest_at is not None and not stack.versions_stored:  # as `run --digest`: it would send a digest again
            sys.stderr.write("deptwatch: no new version stored: no digest to send\n")
        elif digest_at is not None:
            failed = run_digest(stack, args.digest, digest_at, args.json, out) or failed
        if getattr(args, "serve", None) is not None:
            state.save()  # what was announced kept, however serving ends
            serve_until_interrupted(stack, args.serve, out)
    return 1 if failed else 0


def run_digest(stack: LocalStack, digest: str, at: datetime, as_json: bool, out: TextIO) -> bool:
    """Run the digester as the schedule would at `at`, and print the digests it published; True if it failed."""
    failed = False
    try:
        stack.invoke("DigesterFunction", {"digest": digest, "at": at.isoformat()})
    except Exception as error:  # the digester's own failure, reported as the scheduler would see it
        sys.stderr.write(f"deptwatch: the {digest} digest failed: {error}\n")
        failed = True
    print_deliveries(stack.collect_deliveries(), as_json, out)
    return failed


class IngestArgumentError(ValueError):
    """Arguments of `ingest` that cannot be used together: exit 2, one line."""


def sourced_files(files: Sequence[str], default_source: str | None) -> list[tuple[str, str]]:
    """(source, path) of each FILE: `SOURCE=FILE` gives a file its own source (a known source name before the first
    `=`); any other FILE is of `--source`, which it then needs."""
    from shared.sources import SOURCE_NAMES

    sourced = []
    for given in files:
        name, equals, path = given.partition("=")
        if equals and name in SOURCE_NAMES:
            sourced.append((name, path))
        elif default_source is None:
            raise IngestArgumentError(f"{given}: which source? give --source, or write it SOURCE=FILE")
        else:
            sourced.append((default_source, given))
    return sourced


def digest_time(digest: str | None, at: str | None) -> datetime | None:
    """When the digest is run as at (None: no digest): --at, an ISO 8601 time (UTC when it gives no offset)."""
    if digest is None:
        if at is not None:
            raise IngestArgumentError("--at is the time of a digest: give --digest daily|weekly too")
        return None
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise IngestArgumentError(f"--at {at!r}: not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def serve_until_interrupted(stack: LocalStack, port: int, out: TextIO) -> None:
    """The read API over what the stack holds, at http://127.0.0.1:PORT/, until Ctrl-C."""
    from infra.local.serve import read_api_server

    server = read_api_server(stack, port)
    out.write(f"deptwatch read side: http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@_state_errors
def command_serve(args: argparse.Namespace, out: TextIO) -> int:
    """Poll once (live, or the recorded responses with --offline), then serve the read API until Ctrl-C."""
    use_local_environment()
    with (
        upstream(args.offline) as (environment, since),
        local_stack({"Departments": args.departments} if args.departments else {}, environment) as stack,
        kept_state(stack, getattr(args, "state", None)) as state,
    ):
        event: dict[str, Any] = {"since": since} if since else {}
        scheduled = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}, **event}
        result = stack.run_own_queues("FetcherFunction", stack.invoke("FetcherFunction", scheduled))
        if _no_upstream_reached(result):  # as `run`: one line, not an empty site
            return 2
        for failure in _source_failures(result):
            sys.stderr.write(f"deptwatch: source {failure['source']} failed: {failure['error']}\n")
        stack.drain()
        stack.collect_deliveries()
        state.save()  # what was announced kept, however serving ends
        serve_until_interrupted(stack, args.port, out)
    return 0


class WatchesFileError(ValueError):
    """A watches file that cannot be used: one line naming the watch and the problem."""


def read_watches(path: Path) -> list[Watch]:
    """A JSON list of watch objects (the fields of `deptwatch watch add`), each valid, the names distinct."""
    from pydantic import ValidationError

    try:
        listed = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WatchesFileError(f"not a JSON file of watches ({error})") from None
    if not isinstance(listed, list):
        raise WatchesFileError("not a JSON list of watch objects")
    watches: dict[str, Watch] = {}
    for position, fields in enumerate(listed):
        name = fields.get("name") if isinstance(fields, dict) else None
        which = f"watch {name!r}" if isinstance(name, str) else f"watch #{position + 1}"
        try:
            watch = Watch.model_validate(fields)
        except ValidationError as error:
            raise WatchesFileError(f"{which}: {problems(error)}") from None
        if watch.name in watches:
            raise WatchesFileError(f"{which}: the name is given twice")
        watches[watch.name] = watch
    return list(watches.values())


def _take_messages(stack: LocalStack, output: str) -> Iterator[dict[str, Any]]:
    """Every message on a queue of the stack, removed."""
    url = stack.output(output)
    while messages := stack.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in messages:
            yield message
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _reason(message: dict[str, Any], default: str) -> str:
    return str(message.get("MessageAttributes", {}).get("reason", {}).get("StringValue", default))


def _take_dead_letters(stack: LocalStack) -> list[str]:
    """Describe and remove what the processor rejected: "FILE record N (id X): reason"."""
    return [
        f"{_describe_origin(message['Body'])}: {_reason(message, 'rejected')}"
        for message in _take_messages(stack, "DeadLetterQueueUrl")
    ]


def _take_notifier_failures(stack: LocalStack, records: dict[str, str]) -> list[str]:
    """Describe and remove what the notifier could not notify: "FILE record N (id X): not notified: reason".

    `records` names the file's records by item id. The notifier sets a poison record aside with its item id and
    reason; the stream mapping, when it gives up after its retries, sends only the coordinates of the batch, so the
    items are read back from the stream at those coordinates.
    """
    described: list[str] = []
    for message in _take_messages(stack, "NotifierFailureQueueUrl"):
        try:
            body = json.loads(message["Body"])
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if "DDBStreamBatchInfo" in body:
            info = body["DDBStreamBatchInfo"]
            reason = f"the notifier gave up after its retries ({body.get('requestContext', {}).get('condition')})"
            item_ids = _not_published(stack, stack.stream_records_at(info))
        else:
            reason = _reason(message, "the notifier could not notify it")
            item_ids = [str(body.get("item_id") or "an unknown item")]
        described += [f"{records.get(i.lower(), f'item {i}')}: not notified: {reason}" for i in item_ids]
    return described


def _describe_origin(body: str) -> str:
    try:
        message = json.loads(body)
        origin = str(message.get("origin") or "unknown record")
        record_id = message.get("record", {}).get("id")
    except (ValueError, AttributeError):
        return "a message that is not JSON"
    path, _, position = origin.rpartition("#")
    where = f"{path} record {position}" if path and position.isdigit() else origin
    return f"{where} (id {record_id})" if record_id is not None else where


def _not_published(stack: LocalStack, records: list[dict[str, Any]]) -> list[str]:
    """The item ids of the stream records whose version the publish ledger does not show published to every one of
    its departments. The mapping gives up on a batch from its first failed record on: the notifier may well have
    published the records after it."""
    from shared.adapters.publish_ledger import PublishLedger, ledger_key

    ledger = stack.output("StateTableName")
    unpublished: list[str] = []
    for record in records:
        image = record["dynamodb"].get("NewImage", {})
        if "item" not in image:
            continue  # a removal, or moto's key-only insert: no version to notify
        item_id, version = image["item_id"]["S"], image["version"]["N"]
        try:
            departments = [d["slug"] for d in json.loads(image["item"]["S"])["departments"]]
        except (ValueError, KeyError, TypeError):
            departments = []
        keys = [ledger_key(item_id, int(version), slug) for slug in departments]
        statuses = [
            stack.dynamodb.get_item(TableName=ledger, Key={"id": {"S": key}}, ConsistentRead=True)
            .get("Item", {})
            .get("status", {})
            .get("S")
            for key in keys
        ]
        if not keys or any(status != PublishLedger.COMPLETED for status in statuses):
            unpublished.append(item_id)
    return unpublished
