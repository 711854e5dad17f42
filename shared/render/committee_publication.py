"""How a select committee publication reads: as the department page lists a publication and its documents."""

from __future__ import annotations

from shared.domain.notification import Notification, NotificationItem
from shared.render.base import KindRenderer, page_and_documents
from shared.render.formats import long_date, long_days_in


class CommitteePublicationRenderer(KindRenderer):
    def headline(self, notification: Notification) -> str:
        """ "Committee Publication (Government Response)" over "Commons - Education Committee"."""
        item = notification.item
        label = super().headline(notification)
        headline = f"{label} ({item.category})" if item.category else label
        where = [item.house.capitalize() if item.house else None, item.details.get("committee")]
        return "\n".join([headline, " - ".join(str(part) for part in where if part)]).strip()

    def date_line(self, item: NotificationItem) -> str:
        return long_date(item.published_at)

    def email_section(self, notification: Notification) -> list[str]:
        """Its page, one line per document, then the paper number, the inquiry and what it responds to."""
        item = notification.item
        details = item.details
        lines = page_and_documents(item)
        lines.append("")
        facts = [
            ("Type", details.get("publication_type")),
            ("Inquiry", details.get("inquiry")),
            ("HC", details.get("hc_number")),
            ("HL Paper", details.get("hl_paper")),
            ("Response by", details.get("responding_department")),
            ("In response to", details.get("responds_to_url")),
            ("Government response due", long_days_in(str(details.get("response_deadline") or ""))),
        ]
        lines += [f"{label}: {value}" for label, value in facts if value not in (None, "")]
        if len(item.departments) > 1:
            lines.append(f"Departments: {'; '.join(d.name for d in item.departments)}")
        lines.append("")
        return lines
