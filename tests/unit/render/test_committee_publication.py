"""A committee publication's email: as the department page lists a publication, with its documents."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.events import Event
from shared.domain.item import Attachment, DepartmentRef
from shared.domain.notification import Notification, NotificationItem
from shared.render.email import email_text, subject

DFE = DepartmentRef(slug="department-for-education", name="Department for Education")
DHSC = DepartmentRef(slug="department-of-health-and-social-care", name="Department of Health and Social Care")


def notification(**changes: object) -> Notification:
    values: dict[str, object] = {
        "id": "committee-publications:46103",
        "source": "committee-publications",
        "kind": "committee-publication",
        "category": "Government Response",
        "department": DFE,
        "departments": (DHSC, DFE),
        "title": "Children's mental health in schools: Government Response",
        "url": "https://committees.parliament.uk/publications/46103/documents/229320/default/",
        "published_at": datetime(2024, 12, 19, 9, 30, tzinfo=UTC),
        "updated_at": datetime(2024, 12, 19, 9, 30, tzinfo=UTC),
        "version": 1,
        "house": "commons",
        "state": "published",
        "summary": None,
        "body": None,
        "people": (),
        "attachments": (
            Attachment(
                title="Special report.pdf",
                url="https://committees.parliament.uk/publications/46103/documents/229320/default/",
                file_type="PDF",
            ),
        ),
        "details": {
            "committee": "Health and Social Care Committee",
            "publication_type": "Special Report",
            "responding_department": "Department for Education",
            "responds_to_url": "https://committees.parliament.uk/publications/45100/html/",
            "hc_number": None,
        },
    }
    values.update(changes)
    return Notification(event=Event.NEW, item=NotificationItem(**values))  # type: ignore[arg-type]


def test_a_government_response_reads_with_its_committee_documents_and_what_it_answers():
    text = email_text(notification())
    assert "Committee Publication (Government Response)\nCommons - Health and Social Care Committee" in text
    assert "Thursday 19th December 2024" in text
    assert "Source Page: Children's mental health in schools: Government Response" in text
    assert "Document: Special report.pdf (PDF)" in text
    assert "Response by: Department for Education" in text
    assert "In response to: https://committees.parliament.uk/publications/45100/html/" in text
    assert "Departments: Department of Health and Social Care; Department for Education" in text
    assert "HC:" not in text  # a fact the record does not give is left out, not shown empty
    assert subject(notification()).startswith("New committee publication: Children's mental health")


def test_a_publication_without_documents_says_so():
    assert "No documents listed yet." in email_text(notification(attachments=(), departments=(DFE,)))
