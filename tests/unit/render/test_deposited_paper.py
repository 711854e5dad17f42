"""How a deposited paper reads in an email: the recorded papers, parsed by their source, rendered."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.kinds import Kind
from shared.domain.notification import Notification
from shared.render.email import email_text
from shared.render.registry import renderer_for
from shared.sources.deposited_papers import DepositedPapersSource
from tests.unit.real_question import TAG

SOURCE = DepositedPapersSource()
RENDERER = renderer_for(Kind.DEPOSITED_PAPER)
FILES = "https://data.parliament.uk/DepositedPapers/Files"
DFE = "department-for-education"
DWP = "department-for-work-pensions"


@pytest.fixture
def details(recorded) -> dict[int, dict[str, Any]]:
    """The recorded detail records, with their documents."""
    return {paper_id: recorded(f"deposited-papers/detail_{paper_id}.json")["value"] for paper_id in (6212, 6213)}


def parse(raw_message, record):
    return SOURCE.parse(raw_message(record, source=SOURCE.name))


def notify(item, department_slug: str) -> Notification:
    department = next(d for d in item.departments if d.slug == department_slug)
    return Notification.for_department(item, 1, "new", department)


def test_email_reads_like_the_department_page(raw_message, details):
    # GIVEN the notification of the seed page's paper for the Department for Education
    item = parse(raw_message, details[6212])
    notification = notify(item, DFE)

    # WHEN its email is rendered
    text = email_text(notification)

    # THEN it is headed "Deposited Papers", with the department and the day of deposit
    assert RENDERER.headline(notification) == "Deposited Papers"
    assert "Department: Department for Education\nApr. 18 2024\n"  # as the seed page dates them in text
    # AND it reads like the page: the source page, then the document with its type, then the link
    assert (
        "Source Page: Letter dated 16/04/2024 from Baroness Barran to Baroness Twycross regarding correction to a "
        "response made during an oral question on additional funded childcare provisions. 1p.\n"
        "Document: DB_Letter_to_Baroness_Twycross.pdf (PDF)\n"
    ) in text
    assert "Paper number: DEP2024-0351" in text
    assert f"DB_Letter_to_Baroness_Twycross.pdf: {FILES}/DEP2024-0351/DB_Letter_to_Baroness_Twycross.pdf" in text
    assert "Source page: https://depositedpapers.parliament.uk/depositedpaper/6212/details" in text
    assert not TAG.search(text)


def test_email_of_a_joint_paper_goes_to_each_department_naming_both(raw_message, details):
    # GIVEN the joint paper of the Department for Education and the DWP
    item = parse(raw_message, details[6213])

    # WHEN its email is rendered for each department
    for slug, name in ((DFE, "Department for Education"), (DWP, "Department for Work and Pensions")):
        text = email_text(notify(item, slug))

        # THEN each names its own department, both depositors and every document
        assert f"Department: {name}\n" in text
        assert "Deposited by: Department for Education; Department for Work and Pensions" in text
        assert "Document: Skills_Bootcamps_referrals_tables.xlsx (XLSX)" in text
        assert "Referred to in the joint Written Ministerial Statements" in text


def test_email_of_a_paper_without_documents(raw_message, details):
    # GIVEN a paper whose documents are not listed
    item = parse(raw_message, {**details[6212], "attachedDocuments": []})

    # WHEN its email is rendered
    # THEN it says so
    assert "No documents listed yet." in email_text(notify(item, DFE))
