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
        lines += joint_lines(item, links.get(JOINT_LINK, []))
        if links.get(CORRECTED_STATEMENT_LINK):
            lines += [f"This statement corrects statement {', '.join(links[CORRECTED_STATEMENT_LINK])}.", ""]
        if links.get(CORRECTED_ANSWER_LINK):
            lines += [f"This statement corrects the answer {', '.join(links[CORRECTED_ANSWER_LINK])}.", ""]
        return lines


def joint_lines(item: NotificationItem, joint_ids: list[str]) -> list[str]:
    """A joint link is the same statement made in the other House when the details say that House, a joint
    statement with other departments when they name them, else only a joint statement (never a guessed House)."""
    details = item.details
    lines: list[str] = []
    house = details.get("also_made_in")
    if not house and joint_ids and "joint_with" not in details:
        # The link alone does not say in which House the other statement was made: no claim about it.
        lines += [f"Joint statement, linked with statement {', '.join(joint_ids)}.", ""]
    if house:
        where = f"Also made in the House of {str(house).capitalize()}"
        uin, url = details.get("also_made_in_uin"), details.get("also_made_in_url")
        if uin and url:
            lines += [f"{where} as {uin}: {url}", ""]
        else:
            lines += [f"{where} (statement {details.get('also_made_in_statement')}).", ""]
    if details.get("joint_with"):
        lines += [
            f"Joint statement with {details['joint_with']}, linked with statement {details.get('joint_statements')}.",
            "",
        ]
    return lines


def links_by_type(labels: Any) -> dict[str, list[str]]:
    """{"JointStatement": ["123"], …} from the details' "123 (JointStatement), 456 (CorrectedStatement)"."""
    links: dict[str, list[str]] = {}
    for label in str(labels or "").split(", "):
        linked_id, _, link_type = label.partition(" (")
        if linked_id and link_type:
            links.setdefault(link_type.rstrip(")"), []).append(linked_id)
    return links
