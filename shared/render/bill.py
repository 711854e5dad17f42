"""How a bill reads: as its page on bills.parliament.uk sums it up (stage, sponsors, long title, publications)."""

from __future__ import annotations

from shared.domain.item import PROGRESS_STAGE
from shared.domain.notification import Notification
from shared.render.base import KindRenderer, people_with_role
from shared.render.formats import long_days_in

STATES = {"withdrawn": "Withdrawn", "defeated": "Defeated", "act": "Act of Parliament"}


class BillRenderer(KindRenderer):
    def email_section(self, notification: Notification) -> list[str]:
        """The bill's page in brief: where it is now, who sponsors it, what it is for, then every stage so far."""
        item = notification.item
        details = item.details
        lines = [f"Source Page: {item.title}"]
        if details.get(PROGRESS_STAGE):
            lines.append(f"Current stage: {long_days_in(str(details[PROGRESS_STAGE]))}")
        if item.state in STATES:
            lines.append(f"Status: {STATES[item.state]}")
        sponsors = people_with_role(notification, "sponsored-by")
        if sponsors:
            lines.append(f"Sponsored by: {'; '.join(sponsors)}")
        if len(item.departments) > 1:
            lines.append(f"Departments: {'; '.join(d.name for d in item.departments)}")
        if details.get("latest_publication"):
            lines.append(f"Latest publication: {long_days_in(str(details['latest_publication']))}")
        lines.append("")
        for text in (item.summary, item.body):
            if text:
                lines += [text, ""]
        if details.get("stages"):
            stages = long_days_in(str(details["stages"])).split("; ")
            lines += ["Stages:", *(f"- {stage}" for stage in stages), ""]
        return lines
