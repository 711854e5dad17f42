"""How a written question reads: as its page on questions-statements.parliament.uk."""

from __future__ import annotations

from datetime import date

from shared.domain.notification import Notification
from shared.render.base import KindRenderer, answering_department, departed, people_with_role
from shared.render.formats import long_day

DATE_LABELS = (
    ("tabled", "date_tabled"),
    ("due for answer", "date_for_answer"),
    ("holding answer", "date_holding_answer"),
    ("answered", "date_answered"),
    ("corrected", "date_answer_corrected"),
)
"""The question's dates as the page names them, by their `details` key, in the page's order."""


class WrittenQuestionRenderer(KindRenderer):
    def email_section(self, notification: Notification) -> list[str]:
        """As the department page shows a question: asked by, the question, answered by, the answer."""
        item = notification.item
        lines: list[str] = []
        for asker in people_with_role(notification, "asked-by"):
            lines += [f"Asked by: {asker}", ""]
        days = [(label, date.fromisoformat(str(day))) for label, key in DATE_LABELS if (day := item.details.get(key))]
        dates = [f"{label} {long_day(day)}" for label, day in days]
        lines += [f"UIN {item.details.get('uin')}, " + ", ".join(dates), ""]
        lines += [f"Question to the {answering_department(notification).name}:", "", item.summary or "", ""]
        if departed(notification):
            return lines  # its answer is the news of the department it went to
        if not item.body:
            return [*lines, "Not answered yet.", ""]
        answerers = people_with_role(notification, "answered-by")
        heading = f"Answered by {answerers[0]}" if answerers else "Answer"
        if item.state == "holding-answer":
            heading = f"Holding answer{heading.removeprefix('Answer')}"
        lines += [heading, "", item.body, ""]
        for corrector in people_with_role(notification, "corrected-by"):
            lines += [f"Corrected by {corrector}", ""]
        return lines
