"""How a paper deposited in the Libraries of the Houses reads: as the department page lists it."""

from __future__ import annotations

from shared.domain.notification import Notification, NotificationItem
from shared.render.base import KindRenderer, page_and_documents
from shared.render.formats import month_first_date


class DepositedPaperRenderer(KindRenderer):
    def date_line(self, item: NotificationItem) -> str:
        """The day of deposit (or of the last update when the deposit date is not known), as the seed page dates
        deposited papers ("Apr. 18 2024")."""
        return month_first_date(item.published_at)

    def email_section(self, notification: Notification) -> list[str]:
        """As the department page shows a deposited paper: the source page, then one line per document."""
        item = notification.item
        lines = page_and_documents(item)
        lines.append("")
        if item.details.get("paper_number"):
            lines.append(f"Paper number: {item.details['paper_number']}")
        if len(item.departments) > 1:
            lines.append(f"Deposited by: {'; '.join(d.name for d in item.departments)}")
        if item.details.get("corporate_authors"):
            lines.append(f"Corporate author: {item.details['corporate_authors']}")
        lines.append("")
        for text in (item.summary, item.body):
            if text:
                lines += [text, ""]
        return lines
