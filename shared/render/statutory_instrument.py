"""How a statutory instrument reads: as its page on statutoryinstruments.parliament.uk sums it up."""

from __future__ import annotations

from shared.domain.item import PROGRESS_STAGE
from shared.domain.notification import Notification, NotificationItem
from shared.render.base import KindRenderer
from shared.render.formats import long_date, long_day_of, long_days_in


class StatutoryInstrumentRenderer(KindRenderer):
    def date_line(self, item: NotificationItem) -> str:
        """The day it was laid (a later procedure step does not move it)."""
        return long_date(item.published_at)

    def email_section(self, notification: Notification) -> list[str]:
        """Its number and procedure, when it was made and laid, where it is in its procedure, then every step."""
        item = notification.item
        details = item.details
        lines = [f"Source Page: {item.title}"]
        facts = [
            ("Number", details.get("number")),
            ("Procedure", details.get("procedure")),
            ("Laid by", details.get("laying_body")),
            ("Made", long_day_of(details.get("made"))),
            ("Laid in the Commons", long_day_of(details.get("laid_commons"))),
            ("Laid in the Lords", long_day_of(details.get("laid_lords"))),
            ("Comes into force", long_day_of(details.get("coming_into_force"))),
            ("Latest step", long_days_in(str(details[PROGRESS_STAGE])) if details.get(PROGRESS_STAGE) else None),
        ]
        lines += [f"{label}: {value}" for label, value in facts if value]
        lines.append("")
        for text in (item.summary, item.body):
            if text:
                lines += [text, ""]
        if details.get("steps"):
            steps = long_days_in(str(details["steps"])).split("; ")
            lines += ["Procedure so far:", *(f"- {step}" for step in steps), ""]
        return lines
