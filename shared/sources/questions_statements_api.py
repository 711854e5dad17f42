"""What the written questions and written statements APIs share: one service (its paging, envelopes, department
filter, detail endpoint and hosts) and one member and attachment shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from shared.domain.departments import Department, all_answering_body_ids
from shared.domain.item import Attachment, Person
from shared.domain.links import PARLIAMENT_HOSTS, OwnHosts
from shared.domain.text import plain_text
from shared.sources.base import OffsetPaginator, Source, UpstreamModel, attachment_link


class Upstream(UpstreamModel):
    """The service's camelCase fields, read leniently (fields we do not use are ignored)."""

    model_config = ConfigDict(alias_generator=to_camel)


class MemberViewModel(Upstream):
    """An expanded member (`expandMember=true`); every field is nullable in the spec."""

    id: int | None = None
    name: str | None = None
    party: str | None = None
    member_from: str | None = None

    def person(self, role: str) -> Person | None:
        """As a department page shows a member, "Name (Party - Constituency)"; None for a member without a name."""
        name = plain_text(self.name)
        if not name:
            return None
        return Person(role=role, name=name, party=self.party or None, constituency=self.member_from or None)


class AttachmentViewModel(Upstream):
    url: str | None = None
    title: str | None = None
    file_type: str | None = None
    file_size_bytes: int | None = None


def attachments(
    listed: Iterable[AttachmentViewModel] | None, hosts: OwnHosts, record: object
) -> tuple[Attachment, ...]:
    """The attachments linked on the source's own hosts (raw spaces in a file name encoded, not dropped); the title
    falls back to the link, the file type in capitals whatever case the API sends it in ("pdf" in real written
    statements, "PDF" elsewhere)."""
    return tuple(
        Attachment(
            title=plain_text(a.title) or url,
            url=url,
            file_type=plain_text(a.file_type).upper() or None,
            size_bytes=a.file_size_bytes,
        )
        for a in listed or ()
        if (url := attachment_link(a.url, hosts, record))
    )


class QuestionsStatementsSource(Source):
    """A source of the questions-statements service: `skip`/`totalResults` pages of `{value, links}` records, filtered
    by answering body, whose texts the list cuts and the detail endpoint gives in full."""

    own_hosts = PARLIAMENT_HOSTS
    api_host = "questions-statements-api.parliament.uk"
    paginator = OffsetPaginator(skip="skip", items="results", total="totalResults")
    has_detail = True
    list_cuts_texts = True
    detail_params: ClassVar[Mapping[str, str]] = {"expandMember": "true"}

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A list page `{totalResults, results: [{value, links}]}` (also what the spec says a detail endpoint may
        return) or one item `{value, links}`."""
        return self.value_records(body, "results")

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        body_ids = set(all_answering_body_ids(departments))
        return lambda record: record.get("answeringBodyId") in body_ids
