"""`deptwatch`: list the departments, subscribe to a deployed stack's topics, look at its dead-letter queues; and, with
the local extra (`pip install 'deptwatch[local]'`), run the whole pipeline locally on moto.

This module needs boto3 and `shared` only: the local stack's commands (`run`, `ingest`) are imported when they run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import infra.cli.values as values
from infra.cli.errors import OneLineParser, describe
from infra.cli.operations import OperationError
from shared.domain.raw_record import Delivery

if TYPE_CHECKING:
    from shared.watching.watch import Watch

LOCAL_EXTRA_MODULES = {"moto": "moto", "cfnlint": "cfn-lint", "tqdm": "tqdm"}
"""What the local stack needs beyond the product's dependencies (the `local` extra): module → package."""

Command = Callable[[argparse.Namespace, TextIO], int]
DELIVERIES = tuple(delivery.value for delivery in Delivery)
"""What becomes of the new versions a poll or an ingest stores."""


def _local_command(name: str, polls_upstream: bool = False) -> Command:
    """`run`, `ingest` and `serve`, imported only when used: without the local extra they say what to install. One
    that polls the live upstream first checks that its hosts resolve, before the local stack is imported and deployed
    (seconds): without network it says so at once."""

    def command(args: argparse.Namespace, out: TextIO) -> int:
        missing = [package for module, package in LOCAL_EXTRA_MODULES.items() if not importlib.util.find_spec(module)]
        if missing:
            sys.stderr.write(
                f"deptwatch {args.command} runs the local stack, which needs {', '.join(missing)}: "
                "pip install 'deptwatch[local]'\n"
            )
            return 2
        if polls_upstream and not args.offline:
            from infra.local.reachability import no_upstream_resolves

            if no_upstream_resolves():
                return 2
        from infra.local import commands

        handler: Command = getattr(commands, name)
        return handler(args, out)

    return command


def command_departments(args: argparse.Namespace, out: TextIO) -> int:
    from infra.cli.departments import departments_json, departments_table

    out.write(departments_json() + "\n" if args.json else departments_table())
    return 0


def _stack_name(args: argparse.Namespace) -> str:
    return str(args.stack or os.environ.get("DEPTWATCH_STACK") or "deptwatch")


def command_topics(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.operations import department_topics

    for slug, arn in sorted(department_topics(boto3.client("sns"), _stack_name(args)).items()):
        out.write(f"{slug}\t{arn}\n")
    return 0


def command_subscribe(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.operations import filter_policy
    from infra.cli.subscriptions import describe_policy, subscribe, subscribe_to, watch_topic

    policy = filter_policy(
        kind=args.kind, event=args.event, house=args.house, category=args.category, source=args.source
    )
    sns = boto3.client("sns")
    if args.watch:
        topic, topic_arn = watch_topic(sns, _stack_name(args), args.watch)
        done = subscribe_to(sns, topic, topic_arn, args.protocol, args.endpoint, policy, args.replace)
    else:
        done = subscribe(sns, _stack_name(args), args.department, args.protocol, args.endpoint, policy, args.replace)
    subscription = done.subscription
    out.write(
        json.dumps(
            {
                "subscription_arn": subscription.arn,
                "topic_arn": subscription.topic_arn,
                "filter_policy": subscription.policy or {},
            },
            indent=2,
        )
        + "\n"
    )
    if done.outcome == "unchanged":
        out.write("Already subscribed with this filter policy: nothing changed.\n")
    elif done.outcome == "replaced":
        out.write(f"Filter policy replaced; it was {describe_policy(done.previous_policy)}.\n")
    if subscription.pending_confirmation:
        out.write(
            "SNS has sent a confirmation request to the endpoint: the subscription starts once it is confirmed.\n"
        )
    return 0


def command_subscriptions(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.subscriptions import list_subscriptions

    topic = args.department or (f"watch:{args.watch}" if args.watch else None)
    found = list_subscriptions(boto3.client("sns"), _stack_name(args), topic)
    for subscription in found:
        out.write(json.dumps(subscription.summary(), ensure_ascii=False) + "\n")
    if not found:
        sys.stderr.write(f"deptwatch: no subscriptions to {topic or 'the topics of the stack'}\n")
    return 0


def command_unsubscribe(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.subscriptions import unsubscribe

    if (args.arn is None) == (args.endpoint is None):
        sys.stderr.write("deptwatch unsubscribe: a SUBSCRIPTION_ARN or --endpoint is required (one, not both)\n")
        return 2
    topic = args.department or (f"watch:{args.watch}" if args.watch else None)
    removed = unsubscribe(boto3.client("sns"), _stack_name(args), args.arn, args.endpoint, topic)
    for subscription in removed:
        out.write(json.dumps({**subscription.summary(), "removed": True}, ensure_ascii=False) + "\n")
    return 0


def command_dlq(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.operations import (
        DEAD_LETTER_QUEUES,
        peek_dead_letters,
        queue_depth,
        redrive,
        stack_outputs,
        start_redrive,
    )

    outputs = stack_outputs(boto3.client("cloudformation"), _stack_name(args))
    sqs = boto3.client("sqs")
    queue_url = outputs[DEAD_LETTER_QUEUES[args.queue]]
    if args.action == "show" and not args.ids:
        sys.stderr.write("deptwatch: dlq show needs the MESSAGE_ID of each message to show (see dlq list)\n")
        return 2
    if args.action == "redrive" and args.queue != "records":
        sys.stderr.write(
            "deptwatch: only the records queue can be redriven; the notifier's failures name stream "
            "batches, which the stream no longer holds after 24 hours\n"
        )
        return 2
    if not queue_depth(sqs, queue_url):  # read without receiving anything
        out.write(f"empty: the {args.queue} dead-letter queue holds no message\n")
        return 1 if args.action == "show" else 0
    if args.action == "list":
        for letter in peek_dead_letters(sqs, queue_url):
            out.write(json.dumps(letter.summary(), ensure_ascii=False) + "\n")
    elif args.action == "show":
        letters = {letter.message_id: letter for letter in peek_dead_letters(sqs, queue_url, limit=10_000)}
        for message_id in args.ids:
            shown = letters.get(message_id)
            if shown is None:
                sys.stderr.write(f"deptwatch: {message_id} is not on the dead-letter queue\n")
                return 1
            out.write(json.dumps({**shown.summary(), "body": shown.body}, indent=2, ensure_ascii=False) + "\n")
    elif not args.ids and (task := start_redrive(sqs, queue_url, outputs["RawRecordsQueueUrl"])) is not None:
        out.write(f"SQS is moving the dead letters back to the records queue (message move task {task})\n")
    else:
        moved = redrive(sqs, queue_url, outputs["RawRecordsQueueUrl"], args.ids or None)
        out.write(f"{len(moved)} message(s) sent back to the records queue\n")
    return 0


DLQ_HELP = """list and show read the messages and leave them on the queue, but SQS has no peek: reading a message is a
receive, so each one read counts one receive more (its receive_count; nothing else changes: a dead-letter queue has no
redrive policy of its own, and its retention counts from when the record was first queued). An empty queue is said so
without receiving anything. redrive with no MESSAGE_ID asks SQS to move them all back (StartMessageMoveTask); with
MESSAGE_IDs (or on the local stack, whose moto lacks it) it sends each back and deletes it."""


def command_watch(args: argparse.Namespace, out: TextIO) -> int:
    import boto3
    from pydantic import ValidationError

    import infra.cli.operations as operations
    from shared.watching.watch import Watch, problems

    clients = (boto3.client("cloudformation"), boto3.client("dynamodb"), boto3.client("sns"), _stack_name(args))
    if args.action in ("add", "test"):
        fields = {
            "name": args.name or "test",
            "query": args.query,
            **{plural: getattr(args, singular) or () for singular, plural in WATCH_FILTERS.items()},
            "frequency": getattr(args, "frequency", "immediate"),
        }
        try:
            watch = Watch.model_validate(fields)
        except ValidationError as error:
            which = "watch test" if args.action == "test" else f"watch {args.name!r}"
            sys.stderr.write(f"deptwatch: {which}: {problems(error)}\n")
            return 2
        if args.action == "test":
            return _watch_test(args, out, clients, watch)
        saved = [operations.add_watch(*clients, watch)]
    elif args.action == "list":
        saved = operations.list_watches(*clients)
    elif args.action == "show":
        saved = [operations.show_watch(*clients, args.name)]
    else:
        saved = [operations.remove_watch(*clients, args.name)]
    for one in saved:
        out.write(json.dumps(one.summary(), ensure_ascii=False) + "\n")
    return 0


def _watch_test(args: argparse.Namespace, out: TextIO, clients: tuple[Any, Any, Any, str], asked: Watch) -> int:
    """A saved watch (NAME) or one given here (--query and filters) over the stack's stored items."""
    import infra.cli.operations as operations
    from infra.cli.watch_search import ScanCost, search_stored

    given = args.query is not None or any(getattr(args, flag) for flag in WATCH_FILTERS)
    if (args.name is not None) == given:  # both or neither
        sys.stderr.write("deptwatch: watch test takes NAME (a saved watch) or --query and filters, not both\n")
        return 2
    watch = operations.show_watch(*clients, args.name).watch if args.name else asked
    cost = ScanCost()
    items_table = operations.stack_outputs(clients[0], clients[3])["ItemsTableName"]
    for found in search_stored(clients[1], items_table, watch, cost):
        out.write(json.dumps(found, ensure_ascii=False) + "\n")
    sys.stderr.write(f"deptwatch: {cost.summary()}\n")
    return 0


def command_notify(args: argparse.Namespace, out: TextIO) -> int:
    import boto3

    from infra.cli.operations import renotify_versions

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            sys.stderr.write(f"deptwatch: --since {args.since!r}: not an ISO 8601 date or time (e.g. 2026-11-30)\n")
            return 2
        since = since if since.tzinfo else since.replace(tzinfo=ZoneInfo("Europe/London"))

    def report(version: Any) -> None:  # a line per version as soon as it is settled
        out.write(json.dumps(version.as_dict(), ensure_ascii=False) + "\n")
        out.flush()

    result = renotify_versions(
        boto3.client("cloudformation"), boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs"),
        _stack_name(args), since, args.item or [], args.force, report,
    )  # fmt: skip
    counts = ", ".join(
        f"{result.count(outcome)} {outcome}"
        for outcome in ("published", "already published", "not published", "failed", "unreadable", "not found")
        if result.count(outcome)
    )
    sys.stderr.write(f"deptwatch: {len(result.versions)} stored version(s): {counts or 'none'}\n")
    return 1 if result.count("failed") or result.count("unreadable") else 0


WATCH_FILTERS = {
    "department": "departments",
    "source": "sources",
    "kind": "kinds",
    "event": "events",
    "house": "houses",
    "category": "categories",
    "organisation": "organisations",
}
"""`watch add`'s repeatable flags and the watch's fields they fill."""


def _filter_values() -> dict[str, Callable[[str], str]]:
    """The filter flags whose values form a closed set (the README's table): each checked as it is read."""
    from shared.domain.events import Event
    from shared.domain.kinds import Kind
    from shared.sources import SOURCE_NAMES
    from shared.watching.watch import HOUSES

    return {
        "department": values.department,
        "kind": values.one_of("kind", tuple(Kind)),
        "event": values.one_of("event", tuple(Event)),
        "house": values.one_of("house", HOUSES),
        "source": values.one_of("source", SOURCE_NAMES),
    }


def build_parser() -> argparse.ArgumentParser:
    from infra.cli.operations import DEAD_LETTER_QUEUES, PROTOCOLS
    from shared.sources import SOURCE_NAMES

    filter_values = _filter_values()
    parser = OneLineParser(prog="deptwatch", description=__doc__)
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="poll the upstream APIs and run the whole pipeline on the local stack")
    run.add_argument("--watch", action="store_true", help="keep polling")
    run.add_argument("--interval", type=values.positive_seconds, default=300, help="seconds between polls with --watch")
    run.add_argument(
        "--departments", type=values.departments, help="comma-separated department slugs or acronyms (default: all)"
    )
    run.add_argument(
        "--since", type=values.iso_date, help="read from this date (YYYY-MM-DD) instead of the last few days"
    )
    run.add_argument("--offline", action="store_true", help="serve the upstream from recorded responses")
    run.add_argument("--json", action="store_true", help="one JSON object per delivered message")
    run.add_argument("--delivery", choices=DELIVERIES, help="notify (default), quiet (store only) or digest")
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")
    run.add_argument(
        "--watches", metavar="FILE", help="a JSON list of watches to save first (their messages carry a `watch` field)"
    )
    run.add_argument(
        "--digest", choices=("daily", "weekly"), help="after the poll, run that digest over what it stored"
    )
    run.set_defaults(handler=_local_command("command_run", polls_upstream=True))
    _state_flag(run)

    ingest = commands.add_parser("ingest", help="feed raw upstream response files through the pipeline")
    ingest.add_argument(
        "--source", choices=sorted(SOURCE_NAMES), help="the source of each FILE not written SOURCE=FILE"
    )
    ingest.add_argument(
        "--department",
        type=values.department,
        help="the department the query was for, for records that do not name one",
    )
    ingest.add_argument("--json", action="store_true", help="one JSON object per delivered message")
    ingest.add_argument(
        "--watches", metavar="FILE", help="a JSON list of watches to save first (their messages carry a `watch` field)"
    )
    ingest.add_argument(
        "--digest", choices=("daily", "weekly"), help="then run that digest as at --at (one JSON line per message)"
    )
    ingest.add_argument(
        "--at", metavar="ISO-8601", help="the digest's time (default now); the files are ingested as stored just in it"
    )
    ingest.add_argument(
        "--serve", type=int, metavar="PORT", help="then serve the read side (pages, feeds) on PORT until Ctrl-C"
    )
    ingest.add_argument(
        "--delivery", choices=DELIVERIES, default="notify", help="notify (default), quiet (store only) or digest"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ingest.add_argument("files", nargs="+", metavar="FILE", help="a response file, or SOURCE=FILE for its own source")
    ingest.set_defaults(handler=_local_command("command_ingest"))
    _state_flag(ingest)

    serve = commands.add_parser("serve", help="poll once, then serve the read side (pages, feeds) locally")
    serve.add_argument("--port", type=int, default=8080, help="local port (default 8080; 0: any free one)")
    serve.add_argument("--offline", action="store_true", help="poll the recorded responses, not the live APIs")
    serve.add_argument(  # as `run`'s: a state made by `run --departments X` is served with the same departments
        "--departments", type=values.departments, help="comma-separated department slugs or acronyms (default: all)"
    )
    serve.set_defaults(handler=_local_command("command_serve", polls_upstream=True))
    _state_flag(serve)

    departments = commands.add_parser("departments", help="list the departments deptwatch knows (no AWS needed)")
    departments.add_argument("--json", action="store_true", help="one JSON array")
    departments.set_defaults(handler=command_departments)

    stack_help = "the deployed stack's name (default: $DEPTWATCH_STACK or deptwatch)"
    topics = commands.add_parser("topics", help="list the department topics of a deployed stack")
    topics.add_argument("--stack", help=stack_help)
    topics.set_defaults(handler=command_topics)

    subscribe = commands.add_parser("subscribe", help="subscribe an endpoint to a department, with a filter policy")
    subscribe.add_argument("--stack", help=stack_help)
    subscribed_to = subscribe.add_mutually_exclusive_group(required=True)
    subscribed_to.add_argument(
        "--department", type=values.department, help="department slug or acronym (see `deptwatch departments`)"
    )
    subscribed_to.add_argument("--watch", metavar="NAME", help="a saved watch: its topic <stack>-watch-NAME")
    subscribe.add_argument("--protocol", required=True, choices=PROTOCOLS)
    subscribe.add_argument("--endpoint", required=True, help="e-mail address, queue/function ARN or URL")
    for name, example in (
        ("kind", "written-question"),
        ("event", "answered"),
        ("house", "lords"),
        ("source", "written-questions"),
        ("category", "statistics"),
    ):
        subscribe.add_argument(
            f"--{name}",
            action="append",
            type=filter_values.get(name, str),
            help=f"only this {name} (repeatable), e.g. {example}",
        )
    subscribe.add_argument(
        "--replace", action="store_true", help="change the filter policy of the endpoint's existing subscription"
    )
    subscribe.set_defaults(handler=command_subscribe)

    subscriptions = commands.add_parser(
        "subscriptions", help="the subscriptions to a deployed stack's topics: endpoint, protocol, policy, state"
    )
    subscriptions.add_argument("--stack", help=stack_help)
    subscriptions.set_defaults(handler=command_subscriptions)
    unsubscribe = commands.add_parser("unsubscribe", help="remove a subscription, by its ARN or by endpoint")
    unsubscribe.add_argument("arn", nargs="?", metavar="SUBSCRIPTION_ARN")
    unsubscribe.add_argument("--endpoint", help="every subscription of this endpoint (to the topic given, or all)")
    unsubscribe.add_argument("--stack", help=stack_help)
    unsubscribe.set_defaults(handler=command_unsubscribe)
    for command in (subscriptions, unsubscribe):
        which = command.add_mutually_exclusive_group()
        which.add_argument("--department", type=values.department, help="only this department's topic")
        which.add_argument("--watch", metavar="NAME", help="only this watch's topic")

    watch = commands.add_parser("watch", help="saved watches on a deployed stack: a query and filters, own topic")
    watch.set_defaults(handler=command_watch)
    watch_actions = watch.add_subparsers(dest="action", required=True)
    add = watch_actions.add_parser("add", help="save a watch (replacing one of that name) and create its topic")
    add.add_argument("name", metavar="NAME", help="lower-case letters, digits, - and _; its topic: <stack>-watch-NAME")
    add.add_argument("--query", help='the seed\'s search syntax: words, "phrases", AND, OR, NOT, -word, (…), prefix*')
    for flag in WATCH_FILTERS:
        add.add_argument(
            f"--{flag}", action="append", type=filter_values.get(flag, str), help=f"only this {flag} (repeatable)"
        )
    add.add_argument("--frequency", choices=("immediate", "daily", "weekly"), default="immediate")
    test = watch_actions.add_parser("test", help="which stored items a watch would match (a Scan of the items table)")
    test.add_argument("name", metavar="NAME", nargs="?", help="a saved watch; or give --query and filters instead")
    test.add_argument("--query", help="the seed's search syntax, as for add")
    for flag in WATCH_FILTERS:
        test.add_argument(
            f"--{flag}", action="append", type=filter_values.get(flag, str), help=f"only this {flag} (repeatable)"
        )
    watch_actions.add_parser("list", help="every saved watch, one JSON line each")
    watch_actions.add_parser("show", help="one saved watch").add_argument("name", metavar="NAME")
    watch_actions.add_parser("remove", help="delete a watch and its topic").add_argument("name", metavar="NAME")
    for action in watch_actions.choices.values():
        action.add_argument("--stack", help=stack_help)

    notify = commands.add_parser(
        "notify", help="publish stored versions the notifier never delivered (quiet, failed, older than the stream)"
    )
    chosen = notify.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--since", help="every item whose latest version was stored since (ISO 8601; London if naive)")
    chosen.add_argument("--item", action="append", metavar="ID", help="this item's latest version (repeatable)")
    notify.add_argument("--force", action="store_true", help="publish again what the publish ledger shows published")
    notify.add_argument("--stack", help=stack_help)
    notify.set_defaults(handler=command_notify)

    dlq = commands.add_parser(
        "dlq", help="look at the dead-letter queues of a deployed stack and redrive them", description=DLQ_HELP
    )
    dlq.add_argument("action", choices=("list", "show", "redrive"))
    dlq.add_argument("ids", nargs="*", metavar="MESSAGE_ID", help="for show (required) and redrive (default: all)")
    dlq.add_argument("--queue", choices=sorted(DEAD_LETTER_QUEUES), default="records")
    dlq.add_argument("--stack", help=stack_help)
    dlq.set_defaults(handler=command_dlq)
    _verbose_after_the_command(commands)
    return parser


def _state_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--state",
        metavar="DIR",
        help="keep the local stack's tables in DIR between runs (items, watermarks, what was notified, watches): "
        "nothing is announced twice",
    )


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command given: `deptwatch watch add` for `watch add`."""
    for dest in ("command", "action"):
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, dest, None)
        if not actions or not isinstance(chosen, str) or chosen not in actions[0].choices:
            break
        parser = actions[0].choices[chosen]
    return parser


VERBOSE_HELP = "show the functions' own logs on stderr, and a traceback on an unexpected error"


def _verbose_after_the_command(commands: Any) -> None:
    """`--verbose` is also accepted after the command (`deptwatch run --offline --verbose`, `make demo
    ARGS=--verbose`); SUPPRESS keeps a command that was not given it from resetting the one given before."""
    for command in commands.choices.values():
        actions = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        if actions:
            _verbose_after_the_command(actions[0])
        else:
            command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)


@contextmanager
def _stdout_to_stderr() -> Iterator[TextIO]:
    """Yields the real stdout; meanwhile `print` and the Powertools Logger (it binds sys.stdout when it is created, on
    import) write to stderr, so that stdout carries nothing but the command's output."""
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield out
    finally:
        sys.stdout = out


def main(argv: Sequence[str] | None = None) -> int:
    # The functions log JSON lines for CloudWatch: on a terminal they are shown (on stderr) only with --verbose.
    # Read before parsing: the local stack's Logger is configured on import, and the parser imports the sources.
    verbose = "--verbose" in (argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO" if verbose else "CRITICAL")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with _stdout_to_stderr():
        parser = build_parser()  # imports the source registry, and with it the Logger
    args, unknown = parser.parse_known_args(argv)  # --help to stdout
    if unknown:  # refused by the command that was given, which names its own help
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    with _stdout_to_stderr() as out:
        try:
            return int(args.handler(args, out))
        except OperationError as error:
            sys.stderr.write(f"deptwatch: {error}\n")
            return 2
        except Exception as error:  # the last word: one line, the traceback only when asked for
            if verbose:
                raise
            line, code = describe(error)
            sys.stderr.write(f"deptwatch {args.command}: {line}\n")
            return code
