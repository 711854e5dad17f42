"""What the written questions and written statements APIs share: one service, one member and attachment shape."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from shared.domain.item import Attachment, Person
from shared.domain.links import OwnHosts
from shared.domain.text import plain_text
from shared.sources.base import attachment_link


class Upstream(BaseModel):
    """The service's camelCase fields, read leniently (fields we do not use are ignored)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


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
