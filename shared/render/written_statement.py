"""How a written ministerial statement reads: as its page on questions-statements.parliament.uk."""

from __future__ import annotations

from typing import Any

from shared.domain.notification import Notification, NotificationItem
from shared.render.base import KindRenderer, people_with_role
from shared.render.formats import long_date

JOINT_LINK = "JointStatement"
CORRECTED_STATEMENT_LINK = "CorrectedStatement"
CORRECTED_ANSWER_LINK = "CorrectedAnswer"
"""The API's link types, as the statement's `details.linked_statements` carries them ("123 (JointStatement)")."""


class WrittenStatementRenderer(KindRenderer):
    def date_line(self, item: NotificationItem) -> str:
        """The day the statement was made (a later link to a correction does not move it)."""
        return long_date(item.published_at)

    def email_section(self, notification: Notification) -> list[str]:
        """As the statement page reads: who made it and in what role, the statement, then what it is linked to."""
        item = notification.item
        role = item.details.get("member_role")
        makers = people_with_role(notification, "made-by")
        made_by = ", ".join(part for part in (makers[0] if makers else None, role) if part)
        lines = [f"Made by: {made_by}", ""] if made_by else []
        lines += [item.body or "No text published.", ""]
        links = links_by_type(item.details.get("linked_statements"))
        if links.get(JOINT_LINK):
            lines += [f"Joint statement, linked with statement {', '.join(links[JOINT_LINK])}.", ""]
        if links.get(CORRECTED_STATEMENT_LINK):
            lines += [f"This statement corrects statement {', '.join(links[CORRECTED_STATEMENT_LINK])}.", ""]
        if links.get(CORRECTED_ANSWER_LINK):
            lines += [f"This statement corrects the answer {', '.join(links[CORRECTED_ANSWER_LINK])}.", ""]
        return lines


def links_by_type(labels: Any) -> dict[str, list[str]]:
    """{"JointStatement": ["123"], …} from the details' "123 (JointStatement), 456 (CorrectedStatement)"."""
    links: dict[str, list[str]] = {}
    for label in str(labels or "").split(", "):
        linked_id, _, link_type = label.partition(" (")
        if linked_id and link_type:
            links.setdefault(link_type.rstrip(")"), []).append(linked_id)
    return links
