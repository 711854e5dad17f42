"""The email sections of bills and statutory instruments, from their notifications alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from infra.local.replay import RECORDED
from shared.domain.events import Event
from shared.domain.notification import Notification, NotificationItem
from shared.domain.raw_record import RawRecordMessage
from shared.render.email import email_text
from shared.sources import get_source


def notification_of(source: str, record: dict) -> Notification:
    item = get_source(source).parse(
        RawRecordMessage(source=source, record=record, fetched_at=datetime(2024, 6, 1, tzinfo=UTC))
    )
    fields = {name: getattr(item, name) for name in NotificationItem.model_fields if hasattr(item, name)}
    return Notification(event=Event.NEW, item=NotificationItem(**fields, department=item.departments[0], version=1))


def test_a_statutory_instrument_reads_with_its_procedure_dates_and_steps():
    record = json.loads((RECORDED / "statutory-instruments" / "instrument_AbCd1234.json").read_text())["value"]
    text = email_text(notification_of("statutory-instruments", record))
    assert "Procedure: Made negative" in text
    assert "Laid in the Commons: Wednesday 17th April 2024" in text  # #16: one date style outside the seed's kinds
    assert "Comes into force: Wednesday 8th May 2024" in text
    assert "Latest step: JCSI scrutiny completed (Commons and Lords, Wednesday 24th April 2024)" in text
    assert "- Laid before the House of Commons, Laid before the House of Lords" in text


def test_a_bill_reads_with_its_stage_sponsor_and_stages():
    record = json.loads((RECORDED / "bills" / "bill_3503.json").read_text())
    text = email_text(notification_of("bills", record))
    assert "Current stage: 1st reading (Lords, Monday 22nd April 2024)" in text
    assert "Sponsored by: Baroness Smith of Malvern (Labour - Life peer); Baroness Merron (Labour - Life peer)" in text
    assert "Departments: Department for Education; Department of Health and Social Care" in text
