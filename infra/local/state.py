"""`--state DIR`: the local stack's DynamoDB tables kept between commands, through the AWS API itself.

moto keeps nothing when a command ends, so every `deptwatch run` would find every source polled for the first time and
announce everything as new. With a state directory, the tables' items are restored after the stack is deployed (one
file per table, named by its logical id in the template: the physical names are the stack's) and dumped again when the
command ends with its pipeline drained. The tables hold what "nothing notified twice" rests on: items and their
versions, each source's watermark and record memory, the publish ledger, saved watches, digest rows, the read side.

What is not kept: queues (the local pipeline drains them before a command ends; a dead letter is reported by the
command that made it) and the stream's history (restored items are not new versions, as after a table restore on AWS).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.adapters.retry import Backoff, retry_pending

if TYPE_CHECKING:
    from infra.local.stack import LocalStack

STATE_FORMAT = "deptwatch.local-state/1"
BATCH_WRITE_LIMIT = 25
WRITE_ATTEMPTS = 8
WRITE_BACKOFF = Backoff(first=0.05, cap=1.0)
BINARY_TYPES = ("B", "BS")

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]


class StateError(ValueError):
    """A state directory that cannot be used: one line naming the file and why (exit 2, nothing written)."""


class TableState(BaseModel):
    """One file of a state directory: a table's items in DynamoDB JSON (binary values base64, sets as lists)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["deptwatch.local-state/1"]
    table: str
    items: list[Item]


MANIFEST_FILE = "manifest.json"
MADE_WITH = ("Departments", "Sources")
"""The parameters a state depends on: a state of some departments' or sources' items and watermarks is not another's."""


Upstream = Literal["offline", "live", "files"]
"""Where a state's items came from: the recorded responses (`--offline`), the live APIs, or files given to `ingest`."""
UPSTREAM_DESCRIPTIONS: dict[str, str] = {
    "offline": "the recorded responses (offline)",
    "live": "the live APIs",
    "files": "ingested files",
}


class Manifest(BaseModel):
    """How a state directory was made: a state of the recorded responses (or of ingested files) mixed into a live run
    would show recorded items as read and start from the recordings' watermarks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["deptwatch.local-state/1"] = "deptwatch.local-state/1"
    upstream: Upstream
    parameters: dict[str, str]


def manifest_of(stack: LocalStack, upstream: Upstream | None = None) -> Manifest:
    """The manifest of the stack's state: `upstream` as the command says (ingest: "files"), or as its functions
    poll (the recorded responses when given UPSTREAM_OVERRIDES, else live)."""
    offline = any("UPSTREAM_OVERRIDES" in spec.environment for spec in stack.functions.values())
    return Manifest(
        upstream=upstream or ("offline" if offline else "live"),
        parameters={name: stack.parameters.get(name, "") for name in MADE_WITH},
    )


def check_manifest(directory: Path, made: Manifest) -> None:
    """Refuse a state made another way than this command's (none yet, or one made before manifests: accepted)."""
    path = directory / MANIFEST_FILE
    if not path.exists():
        return
    try:
        kept = Manifest.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:
        raise StateError(f"{path}: not a deptwatch state manifest ({str(error).splitlines()[0]})") from None
    if (kept.upstream == "live") != (made.upstream == "live"):  # recordings and files mix; neither with live items
        raise StateError(
            f"--state {directory}: made from {UPSTREAM_DESCRIPTIONS[kept.upstream]}, this command reads "
            f"{UPSTREAM_DESCRIPTIONS[made.upstream]}, and a live state takes no other items: "
            "use another --state directory"
        )
    for name in MADE_WITH:
        if kept.parameters.get(name, "") != made.parameters.get(name, ""):
            raise StateError(
                f"--state {directory}: made with {name}={kept.parameters.get(name)!r}, this run has "
                f"{name}={made.parameters.get(name)!r}: use another --state directory"
            )


def _encode(value: AttributeValue) -> Any:
    """An attribute value as JSON can hold it: bytes as base64, lists and maps walked."""
    (kind, inner), *_ = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "L":
        return {"L": [_encode(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _encode(v) for k, v in inner.items()}}
    return {kind: inner}


SCALAR_TYPES: dict[str, type] = {"S": str, "N": str, "BOOL": bool}
SET_TYPES = ("SS", "NS")


def _decode(value: Any) -> Any:
    """An attribute value as read from a file, checked to be of its DynamoDB type (ValueError if not: botocore would
    refuse it later in two lines that do not name the file)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"an attribute value is one {{type: value}}, not {value!r:.60}")
    (kind, inner), *_ = value.items()
    if kind in SCALAR_TYPES and isinstance(inner, SCALAR_TYPES[kind]):
        return {kind: inner}
    if kind == "NULL" and inner is True:
        return {kind: inner}
    if kind in SET_TYPES and isinstance(inner, list) and all(isinstance(v, str) for v in inner):
        return {kind: inner}
    if kind == "B" and isinstance(inner, str):
        return {"B": base64.b64decode(inner, validate=True)}
    if kind == "BS" and isinstance(inner, list) and all(isinstance(b, str) for b in inner):
        return {"BS": [base64.b64decode(b, validate=True) for b in inner]}
    if kind == "L" and isinstance(inner, list):
        return {"L": [_decode(v) for v in inner]}
    if kind == "M" and isinstance(inner, dict):
        return {"M": {k: _decode(v) for k, v in inner.items()}}
    raise ValueError(f"not a DynamoDB attribute value: {value!r:.60}")


def table_names(stack: LocalStack) -> dict[str, str]:
    """Logical id → physical name of every table of the stack's template."""
    return {
        logical_id: stack.physical[logical_id]["Ref"]
        for logical_id, resource in stack.template["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }


def read_state(directory: Path, tables: dict[str, str]) -> dict[str, list[Item]]:
    """Every table file of `directory`, checked before anything is written: logical id → items (none for a table
    without a file: the directory of a first run, or a table new in this version)."""
    if not directory.exists():
        return {}
    try:  # os.scandir, not Path.glob: a directory that cannot be listed is an error, not an empty state
        with os.scandir(directory) as entries:
            paths = sorted(
                Path(entry.path) for entry in entries if entry.name.endswith(".json") and entry.name != MANIFEST_FILE
            )
    except OSError as error:
        raise StateError(f"--state {directory}: cannot be read ({error.strerror})") from None
    state: dict[str, list[Item]] = {}
    for path in paths:
        try:
            raw = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
            raise StateError(f"{path}: not a deptwatch state file ({type(error).__name__}: {error})") from None
        given = raw.get("format") if isinstance(raw, dict) else None
        if given != STATE_FORMAT:
            raise StateError(
                f"{path}: state format {given!r}, this deptwatch reads {STATE_FORMAT!r} only "
                "(use another --state directory, or remove this one to start afresh)"
            )
        try:
            table = TableState.model_validate(raw)
            items = [{name: _decode(value) for name, value in item.items()} for item in table.items]
        except (ValidationError, ValueError, AttributeError, TypeError) as error:
            raise StateError(f"{path}: not a deptwatch state file ({str(error).splitlines()[0]})") from None
        if table.table != path.stem or table.table not in tables:
            raise StateError(f"{path}: table {table.table!r} is not a table of this stack's template")
        state[table.table] = items
    return state


def check_writable(directory: Path) -> None:
    """Refuse, before anything is announced, a directory the state could not be written to at the end: the next run
    would announce everything again."""
    if directory.exists():
        if not directory.is_dir():
            raise StateError(f"--state {directory}: not a directory")
        try:  # what the dump does, so that no permission rule is guessed
            handle, probe = tempfile.mkstemp(dir=directory, prefix=".probe.")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            raise StateError(f"--state {directory}: cannot write there ({error.strerror})") from None
        return
    parent = directory.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise StateError(f"--state {directory}: cannot be made, {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StateError(f"--state {directory}: cannot be made, {parent} is not writable")


def restore(stack: LocalStack, directory: Path) -> int:
    """Put the directory's items into the stack's tables (BatchWriteItem, 25 a call, what DynamoDB leaves unprocessed
    sent again), then start the stream mappings after them. Returns how many items were restored."""
    from shared.adapters.watch_store import WatchStore

    tables = table_names(stack)
    state = read_state(directory, tables)
    for logical_id, items in state.items():
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]]
            try:
                unprocessed = retry_pending(
                    _batch_write(stack), {tables[logical_id]: batch}, attempts=WRITE_ATTEMPTS, backoff=WRITE_BACKOFF
                )
            except stack.dynamodb.exceptions.ClientError as error:  # items this template's keys do not fit
                raise StateError(f"{directory / logical_id}.json: DynamoDB refused its items ({error})") from None
            if unprocessed:
                raise RuntimeError(f"{logical_id}: DynamoDB left items unprocessed after {WRITE_ATTEMPTS} attempts")
    stack.start_streams_at_latest()
    # A saved watch's topic is made by `watch add`, not kept in a table: made again, with its inbox.
    stack.add_watches(WatchStore(stack.dynamodb, stack.output("StateTableName")).list())
    return sum(len(items) for items in state.values())


def _batch_write(stack: LocalStack) -> Any:
    def send(requests: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        response = stack.dynamodb.batch_write_item(RequestItems=requests)
        return response.get("UnprocessedItems") or {}

    return send


def scan_items(stack: LocalStack, table_name: str) -> Iterator[Item]:
    """Every item of a table, a page at a time (strongly consistent)."""
    for page in stack.dynamodb.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
        yield from page.get("Items", [])


def dump(stack: LocalStack, directory: Path, manifest: Manifest | None = None) -> None:
    """Every table's items into `directory`, one file per logical table. All files are written to temporary names
    first and then renamed over the old ones (os.replace), so a file is never half-written."""
    try:
        _write_tables(stack, directory, manifest or manifest_of(stack))
    except OSError as error:  # a full disk, a directory removed meanwhile: one line, not a traceback
        raise StateError(f"--state {directory}: the state could not be written ({error})") from None


def _write_tables(stack: LocalStack, directory: Path, manifest: Manifest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    written: list[tuple[str, Path]] = []
    try:
        for logical_id, name in sorted(table_names(stack).items()):
            expiry = time_to_live(stack, logical_id)
            items = [
                {key: _encode(value) for key, value in item.items()}
                for item in scan_items(stack, name)
                if not _expired(item, expiry, now)
            ]
            document = {"format": STATE_FORMAT, "table": logical_id, "items": items}
            # mkstemp makes the file 0600: the state may hold subscribers' endpoints (watches).
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{logical_id}.", suffix=".tmp")
            written.append((temporary, directory / f"{logical_id}.json"))
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file, ensure_ascii=False, separators=(",", ":"))
                file.flush()
                os.fsync(file.fileno())
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".manifest.", suffix=".tmp")
        written.append((temporary, directory / MANIFEST_FILE))
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(manifest.model_dump_json())
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
        raise
    for temporary, final in written:
        os.replace(temporary, final)
    # The renames themselves made durable: a crash after the command ends does not bring the old files back.
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def time_to_live(stack: LocalStack, logical_id: str) -> str | None:
    """The attribute a table's TimeToLiveSpecification names (None: no TTL)."""
    specification = stack.template["Resources"][logical_id]["Properties"].get("TimeToLiveSpecification") or {}
    return specification.get("AttributeName") if specification.get("Enabled") else None


def _expired(item: Item, attribute: str | None, now: int) -> bool:
    """Whether DynamoDB would have deleted the item by now (its TTL passed; moto does not expire items), so that the
    state of a long `--watch` does not grow for ever."""
    value = item.get(attribute or "", {}).get("N")
    try:
        return value is not None and float(value) < now
    except ValueError:
        return False


INTERRUPTED = "interrupted mid-pipeline: state not saved, the previous state kept"
STOPPED = "stopped mid-pipeline: state not saved, the previous state kept"
ORDERLY_EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Ended as Ctrl-C is (KeyboardInterrupt), so that the state is saved or kept whole, never half-saved or lost."""


class StateNotSaved(Exception):
    """A command interrupted while its pipeline was working: the previous state kept (one line, exit 130)."""


class KeptState:
    """A command's state directory (None: no `--state`): `save` at each settled point of the command."""

    def __init__(self, stack: LocalStack, directory: Path | None, manifest: Manifest | None = None) -> None:
        self.stack = stack
        self.directory = directory
        self.manifest = manifest or manifest_of(stack)

    def save(self) -> None:
        """Dump the tables if the pipeline is at rest: after each poll of `run --watch` and its digest, and before
        `serve` serves, so that an interruption later loses nothing already announced."""
        if self.directory is not None and self.stack.settled():
            with _signals_deferred():  # a dump is not stopped between two renames
                dump(self.stack, self.directory, self.manifest)


@contextmanager
def kept_state(stack: LocalStack, given: str | Path | None, upstream: Upstream | None = None) -> Iterator[KeptState]:
    """Restore the tables from `directory` (if given), and dump them back when the command ends, normally or not
    (SIGTERM and SIGHUP end it as Ctrl-C does), as long as its pipeline was left drained (`LocalStack.settled`): an
    interrupted pipeline may have stored items it has not yet notified, which a later run would take as already seen.
    Then the directory keeps the state of the last settled point (what the interrupted run published since may be
    published again: at least once, never lost), and an interruption says so (StateNotSaved)."""
    if given is None:
        yield KeptState(stack, None)
        return
    directory = Path(given)
    check_writable(directory)
    manifest = manifest_of(stack, upstream)
    with _locked(directory), _signals_as_interrupt():
        check_manifest(directory, manifest)
        restore(stack, directory)
        kept = KeptState(stack, directory, manifest)
        try:
            yield kept
        except BaseException as error:
            if stack.settled():
                _finish(kept)
            elif isinstance(error, KeyboardInterrupt):
                raise StateNotSaved(INTERRUPTED) from None
            else:
                sys.stderr.write(f"deptwatch: {STOPPED}\n")
            raise
        if stack.settled():
            _finish(kept)
        else:
            sys.stderr.write(f"deptwatch: {STOPPED}\n")


LOCK_FILE = ".lock"


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """The directory held for the command's life (flock on D/.lock, holding its pid): two commands sharing it would
    each dump at the end, the last rolling back what the other had notified."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 32).decode("ascii", "replace").strip() or "unknown"
            raise StateError(
                f"--state {directory}: in use by another deptwatch command (pid {holder}); "
                "give each command its own directory"
            ) from None
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(handle)  # releases the lock


def _finish(kept: KeptState) -> None:
    kept.save()
    if letters := dead_letters(kept.stack):
        sys.stderr.write(
            f"deptwatch: {letters} message(s) on the dead-letter queues are not kept in {kept.directory}: "
            "a later run does not fetch them again unless they change upstream\n"
        )


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt while the context lasts (in the main thread, where handlers are).
    A signal ignored when the command starts (SIGHUP under nohup) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    with _handled(ORDERLY_EXIT_SIGNALS, interrupt):
        yield


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP held until the context ends, then handed to the handlers they had. Held in Python,
    not with pthread_sigmask: that blocks a signal for the calling thread only, and with another thread alive (the
    replay server's) the signal is delivered there and CPython still runs the handler in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def hold(signum: int, frame: object) -> None:
        arrived.append(signum)

    try:
        with _handled((signal.SIGINT, *ORDERLY_EXIT_SIGNALS), hold):
            yield
    finally:
        for number in dict.fromkeys(arrived):  # after the handlers are back: each as it would have been handled
            signal.raise_signal(number)


@contextmanager
def _handled(numbers: tuple[signal.Signals, ...], handler: Callable[[int, Any], None]) -> Iterator[None]:
    """`handler` for each signal of `numbers` not ignored (SIG_IGN), the previous handlers put back afterwards (one
    not set from Python, None, cannot be put back: left alone)."""
    previous = {
        number: signal.signal(number, handler)
        for number in numbers
        if signal.getsignal(number) not in (signal.SIG_IGN, None)
    }
    try:
        yield
    finally:
        for number, handler_before in previous.items():
            signal.signal(number, handler_before)


def dead_letters(stack: LocalStack) -> int:
    """Messages on the template's queues that no function consumes (dead-letter and failure queues)."""
    consumed = {mapping.queue_url for mapping in stack.queue_mappings}
    total = 0
    for logical_id, resource in stack.template["Resources"].items():
        url = stack.physical.get(logical_id, {}).get("QueueUrl")
        if resource["Type"] == "AWS::SQS::Queue" and url and url not in consumed:
            total += stack.messages_on(url)
    return total
