"""How an oral question reads: as the department page shows a question tabled for its question time."""

from __future__ import annotations

from shared.domain.notification import Notification
from shared.render.base import KindRenderer, answering_department, people_with_role
from shared.render.formats import long_day_of

STATE_LINES = {
    "withdrawn": "WITHDRAWN: this question will not be asked.",
    "transferred": "TRANSFERRED to another department.",
    "not-selected": "Not selected in the shuffle: this question will not be asked.",
    "unasked": "Not reached at question time.",
    "unstarred": "Unstarred: to be answered in writing.",
}


class OralQuestionRenderer(KindRenderer):
    def headline(self, notification: Notification) -> str:
        """ "Oral Question (Topical)" over "Commons - Education questions - Monday 29th April 2024"."""
        item = notification.item
        label = super().headline(notification)
        label = f"{label} ({item.category})" if item.category else label
        question_time = item.details.get("question_time")
        when = long_day_of(question_time)
        where = ("Commons", f"{answering_department(notification).name} questions", when)
        return "\n".join([label, " - ".join(part for part in where if part)])

    def email_section(self, notification: Notification) -> list[str]:
        """What happened to it, asked by, the question (numbered as on the order paper), to be answered by."""
        item = notification.item
        details = item.details
        lines: list[str] = []
        if item.state in STATE_LINES:
            lines += [STATE_LINES[item.state], ""]
        for asker in people_with_role(notification, "asked-by"):
            lines += [f"Asked by: {asker}", ""]
        numbered = [
            f"Question {details['number']}" if details.get("number") else None,
            f"UIN {details['uin']}" if details.get("uin") else None,
            "topical" if details.get("topical") else None,
        ]
        if any(numbered):
            lines += [", ".join(part for part in numbered if part), ""]
        lines += [f"Question to the {answering_department(notification).name}:", "", item.summary or item.title, ""]
        for minister in people_with_role(notification, "to-be-answered-by"):
            lines += [f"To be answered by: {minister}", ""]
        if details.get("declared_interest"):
            lines += [f"Declared interest: {details['declared_interest']}", ""]
        return lines
