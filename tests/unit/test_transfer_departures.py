"""A question moved to another department between two versions: the version stands for `transferred` whatever
else it reached, the department it left gets one `transferred` message (and no other event), and a department
change of any other kind is an update told to nobody it left."""

from __future__ import annotations

from shared.domain.events import Event
from shared.domain.item import DepartmentRef, Item
from shared.domain.kinds import Kind
from shared.domain.lifecycle import events_of
from shared.pipeline.notifying import VersionChange
from tests.unit.question_items import DFE, question_item

DHSC = DepartmentRef(slug="department-of-health-and-social-care", name="Department of Health and Social Care")
item = question_item


def change(old: Item, new: Item) -> VersionChange:
    return VersionChange("1", (new, 2), (old, 1))


def test_moved_and_answered_between_two_polls_is_both_and_the_department_left_hears_only_the_move():
    old, new = item(), item(departments=(DHSC,), state="answered", body="The answer.")

    assert events_of(old, new) == (Event.ANSWERED, Event.TRANSFERRED)
    versions = change(old, new)
    [arrived] = versions.notifications
    assert arrived.item.department == DHSC and arrived.events == (Event.ANSWERED, Event.TRANSFERRED)
    [left] = versions.departures
    assert (left.item.department, left.event, left.events) == (DFE, Event.TRANSFERRED, (Event.TRANSFERRED,))
    assert left.transfer is not None and left.transfer.to_departments == (DHSC,)


def test_a_department_kept_is_not_told_it_was_left():
    old, new = item(departments=(DFE,)), item(departments=(DFE, DHSC))

    versions = change(old, new)

    assert [n.item.department for n in versions.notifications] == [DFE, DHSC]
    assert versions.departures == []


def test_a_publication_retagged_to_another_department_is_an_update_not_a_transfer():
    old = item(Kind.PUBLICATION, source="govuk", state="published")
    new = item(Kind.PUBLICATION, source="govuk", state="published", departments=(DHSC,))

    assert events_of(old, new) == (Event.UPDATED,)
    assert change(old, new).departures == []


def test_a_first_version_has_no_departure():
    assert VersionChange("1", (item(), 1), None).departures == []
