"""The renderer of each item kind: how an item of that kind reads in an email."""

from __future__ import annotations

from shared.domain.kinds import Kind
from shared.render.base import KindRenderer
from shared.render.bill import BillRenderer
from shared.render.committee_publication import CommitteePublicationRenderer
from shared.render.deposited_paper import DepositedPaperRenderer
from shared.render.oral_question import OralQuestionRenderer
from shared.render.publication import PublicationRenderer
from shared.render.scheduled_event import ScheduledEventRenderer
from shared.render.statutory_instrument import StatutoryInstrumentRenderer
from shared.render.written_question import WrittenQuestionRenderer
from shared.render.written_statement import WrittenStatementRenderer

RENDERERS: dict[str, KindRenderer] = {
    Kind.WRITTEN_QUESTION: WrittenQuestionRenderer(),
    Kind.WRITTEN_STATEMENT: WrittenStatementRenderer(),
    Kind.PUBLICATION: PublicationRenderer(),
    Kind.DEPOSITED_PAPER: DepositedPaperRenderer(),
    Kind.SCHEDULED_EVENT: ScheduledEventRenderer(),
    # issue #15: committee publications and oral questions
    Kind.COMMITTEE_PUBLICATION: CommitteePublicationRenderer(),
    Kind.ORAL_QUESTION: OralQuestionRenderer(),
    Kind.BILL: BillRenderer(),
    Kind.STATUTORY_INSTRUMENT: StatutoryInstrumentRenderer(),
}
GENERIC = KindRenderer()
"""For a kind this deptwatch does not know (an item stored by another version): people, summary and body."""


def renderer_for(kind: str) -> KindRenderer:
    return RENDERERS.get(kind, GENERIC)
