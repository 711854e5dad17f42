"""A digest's sections, its shortening within SNS's 256 KiB, the period it covers, and the matches the notifier records
(late ones too). Pure: no AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.sns import SNS_MESSAGE_BYTES, entry_size
from shared.domain.digest import Digest
from shared.domain.item import SCHEDULED_START, DepartmentRef, Person
from shared.domain.kinds import Kind
from shared.domain.notification import Notification, NotificationItem
from shared.pipeline.digesting import SETTLE, DigestRecorder, StoredVersion, fitted_digest, period_covered
from shared.render.digest import sections
from shared.watching.index import WatchIndex
from shared.watching.watch import Frequency, Watch

DFE = DepartmentRef(slug="department-for-education", name="Department for Education")
AT = datetime(2024, 4, 19, 7, 30, tzinfo=UTC)  # 08:30 in London


def item(n: int, kind: Kind, **fields: object) -> NotificationItem:
    values: dict[str, object] = {
        "id": f"{kind.value}s:{n}",
        "source": f"{kind.value}s",
        "kind": kind,
        "category": None,
        "department": DFE,
        "title": f"{kind.label} number {n}",
        "url": f"https://questions-statements.parliament.uk/item/{n}",
        "published_at": AT - timedelta(hours=n),
        "updated_at": AT - timedelta(hours=n),
        "version": 1,
        "house": "commons",
        "summary": f"Summary {n}.",
        "body": None,
        "people": (Person(role="made-by", name="A Minister"),),
        "departments": (DFE,),
        "state": "published",
        **fields,
    }
    return NotificationItem.model_validate(values)


def test_sections_put_the_coming_weeks_calendar_first_then_the_issues_order() -> None:
    # GIVEN items of every kind, two scheduled events (one next week, one in a month)
    soon = item(1, Kind.SCHEDULED_EVENT, details={SCHEDULED_START: "2024-04-22T14:30:00+01:00", "location": "Room 8"})
    later = item(2, Kind.SCHEDULED_EVENT, details={SCHEDULED_START: "2024-05-22T14:30:00+01:00"})
    items = [
        item(3, Kind.DEPOSITED_PAPER),
        item(4, Kind.PUBLICATION, category="Guidance"),
        item(5, Kind.WRITTEN_QUESTION, state="tabled"),
        item(6, Kind.WRITTEN_QUESTION, state="answered"),
        item(7, Kind.PUBLICATION, category="Research and analysis"),
        later,
        item(8, Kind.WRITTEN_STATEMENT),
        soon,
    ]
    # WHEN they are grouped
    grouped = sections(items, AT)
    # THEN calendar, statements, answered, tabled, publications by category, papers, then the other event; each once
    assert [(title, [i.id.partition(":")[2] for i in listed]) for title, listed in grouped] == [
        ("Calendar: the coming 7 days", ["1"]),
        ("Written statements", ["8"]),
        ("Written questions: answered", ["6"]),
        ("Written questions: tabled", ["5"]),
        ("Publications: Guidance", ["4"]),
        ("Publications: Research and analysis", ["7"]),
        ("Deposited papers", ["3"]),
        ("Other scheduled events", ["2"]),
    ]


def test_the_calendar_entry_has_its_date_time_and_place() -> None:
    event = item(1, Kind.SCHEDULED_EVENT, details={SCHEDULED_START: "2024-04-22T14:30:00+01:00", "location": "Room 8"})
    _, entry = fitted_digest("dfe", Frequency.DAILY, period_covered(Frequency.DAILY, AT), [event], SNS_MESSAGE_BYTES)
    email = json.loads(entry["Message"])["email"]
    assert "== Calendar: the coming 7 days (1) ==" in email
    assert "22 Apr 2024, 2:30 p.m., Room 8" in email
    assert event.url in email and "Made by: A Minister" in email


def test_a_digest_over_256_kib_is_shortened_never_dropped() -> None:
    # GIVEN far more text than one SNS message holds (80 statements of 9,000 characters)
    items = [item(n, Kind.WRITTEN_STATEMENT, body="word " * 1800) for n in range(80)]
    # WHEN the digest is made
    digest, entry = fitted_digest(
        "big", Frequency.WEEKLY, period_covered(Frequency.WEEKLY, AT), items, SNS_MESSAGE_BYTES
    )
    # THEN it fits, keeps as many items as fit (one more would not), and says how many more in both parts
    assert entry_size(entry) <= SNS_MESSAGE_BYTES
    assert 0 < len(digest.items) < 80 and digest.omitted == 80 - len(digest.items) and digest.total == 80
    message = json.loads(entry["Message"])
    assert json.loads(message["default"])["omitted"] == digest.omitted
    assert f"and {digest.omitted} more" in message["email"]
    _, one_more = fitted_digest(
        "big", Frequency.WEEKLY, digest.period, items[: len(digest.items) + 1], SNS_MESSAGE_BYTES + 10**9
    )
    assert entry_size(one_more) > SNS_MESSAGE_BYTES


def test_a_small_digest_is_whole() -> None:
    items = [item(n, Kind.WRITTEN_STATEMENT) for n in range(3)]
    digest, _ = fitted_digest("small", Frequency.DAILY, period_covered(Frequency.DAILY, AT), items, SNS_MESSAGE_BYTES)
    assert isinstance(digest, Digest) and digest.omitted == 0 and len(digest.items) == digest.total == 3


@pytest.mark.parametrize(
    ("frequency", "length"), [(Frequency.DAILY, timedelta(days=1)), (Frequency.WEEKLY, timedelta(days=7))]
)
def test_the_period_ends_settle_minutes_before_the_scheduled_time(frequency: Frequency, length: timedelta) -> None:
    period = period_covered(frequency, AT)
    assert period.end == AT - SETTLE and period.end - period.start == length


class _Recorded:
    def __init__(self) -> None:
        self.matches: list[object] = []

    def record(self, matches: list[object]) -> int:
        self.matches += matches
        return 1


def _version(stored_at: datetime, delivery: str | None = None) -> StoredVersion:
    statement = item(1, Kind.WRITTEN_STATEMENT, body="The River Tame.")
    return StoredVersion((Notification(event="new", item=statement),), stored_at, delivery)


def test_matches_are_recorded_at_the_stored_time_and_late_ones_now_too() -> None:
    now = AT
    recorder = DigestRecorder(_Recorded(), lambda: WatchIndex(()), clock=now.timestamp)  # type: ignore[arg-type]
    watches = WatchIndex(
        [Watch(name="tame", query='"river tame"', frequency="daily"), Watch(name="no", query="x", frequency="daily")]
    )
    on_time = recorder.matches([_version(now - timedelta(seconds=5))], watches)
    late = recorder.matches([_version(now - SETTLE - timedelta(seconds=1))], watches)
    quiet = recorder.matches([_version(now, delivery="quiet")], watches)
    assert [(m.watch, m.matched_at) for m in on_time] == [("tame", now - timedelta(seconds=5))]
    assert [m.matched_at for m in late] == [now - SETTLE - timedelta(seconds=1), now]
    assert quiet == []
