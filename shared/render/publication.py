"""How a departmental publication on GOV.UK reads: as the department page lists it."""

from __future__ import annotations

from shared.domain.notification import Notification, NotificationItem
from shared.render.base import KindRenderer
from shared.render.formats import month_first_date


class PublicationRenderer(KindRenderer):
    def headline(self, notification: Notification) -> str:
        """ "Departmental Publication (News and Communications)", as the department page heads a publication."""
        label = super().headline(notification)
        category = notification.item.category
        return f"{label} ({category})" if category else label

    def date_line(self, item: NotificationItem) -> str:
        return month_first_date(item.updated_at)

    def email_section(self, notification: Notification) -> list[str]:
        """As the department page shows a publication: its page and document, then GOV.UK's summary."""
        item = notification.item
        lines = [f"Source Page: {item.title}", f"Document: {item.title} (webpage)", ""]
        publisher = item.details.get("organisation_name")
        if publisher and publisher != item.department.name:
            lines += [f"Published by: {publisher}", ""]
        if item.state == "withdrawn":
            lines += ["Withdrawn: GOV.UK marks this publication as no longer current.", ""]
        if item.summary:
            lines += [item.summary, ""]
        return lines
