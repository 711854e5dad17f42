"""`deptwatch`: run the whole pipeline locally (moto as the embedded AWS), or feed recorded responses through it."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from infra.local_stack import Delivery, LocalStack, local_stack, use_local_environment
from infra.operations import OperationError

OUT: TextIO = sys.stdout
"""The real standard output: the functions' own output goes to stderr while a command runs."""
DEMO_HINT = "run `make demo` to see the same pipeline offline, on recorded responses"


def _print_deliveries(deliveries: Sequence[Delivery], as_json: bool, out: TextIO) -> None:
    if as_json:
        for delivery in deliveries:
            out.write(json.dumps(delivery.as_json(), ensure_ascii=False) + "\n")
        return
    by_department: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_department.setdefault(delivery.department, []).append(delivery)
    for department, items in sorted(by_department.items()):
        name = items[0].message.get("item", {}).get("department", {}).get("name", department)
        out.write(f"\n=== {name} ({department}): {len(items)} notification(s) ===\n")
        for delivery in items:
            attributes = ", ".join(f"{k}={v}" for k, v in sorted(delivery.attributes.items()))
            out.write(f"\n--- {delivery.subject}\n    [{attributes}]\n\n")
            out.write("\n".join(f"    {line}" if line else "" for line in delivery.email.splitlines()) + "\n")
    out.flush()


def _source_failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [report for report in result.get("sources", []) if report.get("error")]


def command_run(args: argparse.Namespace) -> int:
    use_local_environment()
    environment: dict[str, str] = {}
    parameters = {"Departments": args.departments} if args.departments else {}
    replay = None
    if args.offline:
        from infra.replay import replay_server

        replay = replay_server()
        overrides, earliest = replay.__enter__()
        environment["UPSTREAM_OVERRIDES"] = json.dumps(overrides)
        since = args.since or (earliest.isoformat() if earliest else None)
    else:
        since = args.since
    try:
        with local_stack(parameters, environment) as stack:
            first = True
            while True:
                code = _poll_once(stack, since if first else None, args)
                if code or not args.watch:
                    return code
                first = False
                time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
    finally:
        if replay is not None:
            replay.__exit__(None, None, None)


def _poll_once(stack: LocalStack, since: str | None, args: argparse.Namespace) -> int:
    event: dict[str, Any] = {"since": since} if since else {}
    result = stack.invoke(
        "FetcherFunction", {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}, **event}
    )
    failures = _source_failures(result)
    if (
        failures
        and len(failures) == len(result.get("sources", []))
        and all(f.get("unreachable_host") for f in failures)
    ):
        hosts = sorted({f.get("unreachable_host") or "the upstream APIs" for f in failures})
        sys.stderr.write(f"deptwatch could not reach {', '.join(hosts)} (no network?): {DEMO_HINT}.\n")
        return 2
    for failure in failures:
        sys.stderr.write(f"deptwatch: source {failure['source']} failed: {failure['error']}\n")
    stack.drain()
    deliveries = stack.collect_deliveries()
    _print_deliveries(deliveries, args.json, OUT)
    if not args.json:
        queued = sum(report["queued"] for report in result.get("sources", []))
        OUT.write(f"\n{queued} record(s) fetched, {len(deliveries)} notification(s) delivered.\n")
    return 1 if failures else 0


def command_ingest(args: argparse.Namespace) -> int:
    from shared.adapters.aws import aws_client
    from shared.adapters.sqs import QueueSendError, RawRecordQueue
    from shared.domain.departments import UnknownDepartmentError, by_slug
    from shared.domain.raw_record import RawRecordMessage
    from shared.domain.timeutil import utc_now
    from shared.sources import get_source

    use_local_environment()
    source = get_source(args.source)
    if args.department:
        try:
            by_slug(args.department)
        except UnknownDepartmentError as error:
            sys.stderr.write(f"deptwatch: {error.args[0]}\n")
            return 2
    failed = False
    with local_stack() as stack:
        queue = RawRecordQueue(aws_client("sqs"), stack.output("RawRecordsQueueUrl"))
        for path in args.files:
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
                )
                for position, record in enumerate(records)
                if source.notifiable(record)
            ]
            try:
                queue.send(messages)
            except QueueSendError as error:
                sys.stderr.write(f"deptwatch: {path}: {error}\n")
                failed = True
                continue
            stack.drain()
            _print_deliveries(stack.collect_deliveries(), args.json, OUT)
            for rejected in _take_dead_letters(stack):
                sys.stderr.write(f"deptwatch: {rejected}\n")
                failed = True
    return 1 if failed else 0


def _take_dead_letters(stack: LocalStack) -> list[str]:
    """Describe and remove what the processor rejected: "FILE record N (id X): reason"."""
    url = stack.output("DeadLetterQueueUrl")
    described: list[str] = []
    while True:
        messages = stack.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return described
        for message in messages:
            reason = message.get("MessageAttributes", {}).get("reason", {}).get("StringValue", "rejected")
            described.append(f"{_describe_origin(message['Body'])}: {reason}")
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


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


def _stack_name(args: argparse.Namespace) -> str:
    return str(args.stack or os.environ.get("DEPTWATCH_STACK") or "deptwatch")


def command_topics(args: argparse.Namespace) -> int:
    import boto3

    from infra.operations import department_topics

    for slug, arn in sorted(department_topics(boto3.client("sns"), _stack_name(args)).items()):
        OUT.write(f"{slug}\t{arn}\n")
    return 0


def command_subscribe(args: argparse.Namespace) -> int:
    import boto3

    from infra.operations import filter_policy, subscribe

    policy = filter_policy(kind=args.kind, event=args.event, house=args.house, category=args.category)
    subscription = subscribe(
        boto3.client("sns"), _stack_name(args), args.department, args.protocol, args.endpoint, policy
    )
    OUT.write(
        json.dumps(
            {
                "subscription_arn": subscription.arn,
                "topic_arn": subscription.topic_arn,
                "filter_policy": subscription.policy,
            },
            indent=2,
        )
        + "\n"
    )
    if subscription.pending_confirmation:
        OUT.write(
            "SNS has sent a confirmation request to the endpoint: the subscription starts once it is confirmed.\n"
        )
    return 0


def command_dlq(args: argparse.Namespace) -> int:
    import boto3

    from infra.operations import DEAD_LETTER_QUEUES, peek_dead_letters, redrive, stack_outputs

    outputs = stack_outputs(boto3.client("cloudformation"), _stack_name(args))
    sqs = boto3.client("sqs")
    queue_url = outputs[DEAD_LETTER_QUEUES[args.queue]]
    if args.action == "list":
        for letter in peek_dead_letters(sqs, queue_url):
            OUT.write(json.dumps(letter.summary(), ensure_ascii=False) + "\n")
    elif args.action == "show":
        if not args.ids:
            sys.stderr.write("deptwatch: dlq show needs the MESSAGE_ID of each message to show (see dlq list)\n")
            return 2
        letters = {letter.message_id: letter for letter in peek_dead_letters(sqs, queue_url, limit=10_000)}
        for message_id in args.ids:
            shown = letters.get(message_id)
            if shown is None:
                sys.stderr.write(f"deptwatch: {message_id} is not on the dead-letter queue\n")
                return 1
            OUT.write(json.dumps({**shown.summary(), "body": shown.body}, indent=2, ensure_ascii=False) + "\n")
    else:
        if args.queue != "records":
            sys.stderr.write(
                "deptwatch: only the records queue can be redriven; the notifier's failures name stream "
                "batches, which the stream no longer holds after 24 hours\n"
            )
            return 2
        moved = redrive(sqs, queue_url, outputs["RawRecordsQueueUrl"], args.ids or None)
        OUT.write(f"{len(moved)} message(s) sent back to the records queue\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from shared.sources import SOURCE_NAMES

    parser = argparse.ArgumentParser(prog="deptwatch", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="show the functions' own logs on stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="poll the upstream APIs and run the whole pipeline on the local stack")
    run.add_argument("--watch", action="store_true", help="keep polling")
    run.add_argument("--interval", type=float, default=300, help="seconds between polls with --watch")
    run.add_argument("--departments", help="comma-separated department slugs (default: all)")
    run.add_argument("--since", help="read from this date (YYYY-MM-DD) instead of the last few days")
    run.add_argument("--offline", action="store_true", help="serve the upstream from recorded responses")
    run.add_argument("--json", action="store_true", help="one JSON object per delivered message")
    run.set_defaults(handler=command_run)

    ingest = commands.add_parser("ingest", help="feed raw upstream response files through the pipeline")
    ingest.add_argument("--source", required=True, choices=sorted(SOURCE_NAMES))
    ingest.add_argument("--department", help="the department the query was for, for records that do not name one")
    ingest.add_argument("--json", action="store_true", help="one JSON object per delivered message")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.set_defaults(handler=command_ingest)

    from infra.operations import DEAD_LETTER_QUEUES, PROTOCOLS

    stack_help = "the deployed stack's name (default: $DEPTWATCH_STACK or deptwatch)"
    topics = commands.add_parser("topics", help="list the department topics of a deployed stack")
    topics.add_argument("--stack", help=stack_help)
    topics.set_defaults(handler=command_topics)

    subscribe = commands.add_parser("subscribe", help="subscribe an endpoint to a department, with a filter policy")
    subscribe.add_argument("--stack", help=stack_help)
    subscribe.add_argument("--department", required=True, help="department slug (see `deptwatch topics`)")
    subscribe.add_argument("--protocol", required=True, choices=PROTOCOLS)
    subscribe.add_argument("--endpoint", required=True, help="e-mail address, queue/function ARN or URL")
    for name, example in (
        ("kind", "written-question"),
        ("event", "answered"),
        ("house", "lords"),
        ("category", "statistics"),
    ):
        subscribe.add_argument(f"--{name}", action="append", help=f"only this {name} (repeatable), e.g. {example}")
    subscribe.set_defaults(handler=command_subscribe)

    dlq = commands.add_parser("dlq", help="look at the dead-letter queues of a deployed stack and redrive them")
    dlq.add_argument("action", choices=("list", "show", "redrive"))
    dlq.add_argument("ids", nargs="*", metavar="MESSAGE_ID", help="for show (required) and redrive (default: all)")
    dlq.add_argument("--queue", choices=sorted(DEAD_LETTER_QUEUES), default="records")
    dlq.add_argument("--stack", help=stack_help)
    dlq.set_defaults(handler=command_dlq)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The functions log JSON lines for CloudWatch: on a terminal they are shown (on stderr) only with --verbose, so that
    # stdout carries nothing but the notifications (one JSON object per line with --json).
    verbose = "--verbose" in (argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    global OUT
    OUT = sys.stdout
    sys.stdout = sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except OperationError as error:
        sys.stderr.write(f"deptwatch: {error}\n")
        return 2
    finally:
        sys.stdout = OUT


if __name__ == "__main__":
    sys.exit(main())
