"""How an item of one kind reads in an email: the defaults that each kind's renderer overrides where it differs."""

from __future__ import annotations

from shared.domain.item import DepartmentRef
from shared.domain.kinds import Kind
from shared.domain.notification import Notification, NotificationItem
from shared.render.formats import long_date

KIND_LABELS = {member.value: member.label for member in Kind}


def kind_label(kind: str) -> str:
    """The kind's label; an unknown kind (from a newer or older deptwatch) is still readable."""
    return KIND_LABELS.get(kind) or kind.replace("-", " ").title()


def page_and_documents(item: NotificationItem) -> list[str]:
    """The seed's look for a paper: its source page, then one line per document (or that none is listed yet)."""
    lines = [f"Source Page: {item.title}"]
    lines += [f"Document: {a.title} ({a.file_type or 'file'})" for a in item.attachments]
    if not item.attachments:
        lines.append("No documents listed yet.")
    return lines


def people_with_role(notification: Notification, role: str) -> list[str]:
    return [person.display() for person in notification.item.people if person.role == role]


def departed(notification: Notification) -> bool:
    """A message to a department the question has left (a transfer): it tells the move, not the answer."""
    transfer = notification.transfer
    return transfer is not None and transfer.left(notification.item.department)


def answering_department(notification: Notification) -> DepartmentRef:
    """The department a question is to: the topic's, unless the question has left it (a transfer), then the one it
    went to."""
    transfer = notification.transfer
    if transfer is not None and departed(notification) and transfer.to_departments:
        return transfer.to_departments[0]
    return notification.item.department


class KindRenderer:
    """The parts of the email that depend on the item's kind, as the department page shows such an item."""

    def headline(self, notification: Notification) -> str:
        """The first line: what kind of thing this is ("Written Question", "Deposited Papers", …)."""
        return kind_label(notification.item.kind)

    def date_line(self, item: NotificationItem) -> str:
        return long_date(item.updated_at)

    def email_section(self, notification: Notification) -> list[str]:
        """The lines between the header and the attachments: people, then summary and body."""
        item = notification.item
        lines = [f"{person.role.replace('-', ' ').capitalize()}: {person.display()}" for person in item.people]
        if lines:
            lines.append("")
        for text in (item.summary, item.body):
            if text:
                lines += [text, ""]
        return lines
