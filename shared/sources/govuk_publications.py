"""Departmental publications on GOV.UK (news, statistics, guidance, …): the search API, www.gov.uk/api/search.json.

One query covers every configured department (its current and former GOV.UK organisation slugs), newest first, from the
first day of the poll window. The API answers any unknown parameter or field with HTTP 422, so everything sent here is
checked against alphagov/search-api (lib/parameter_parser/search_parameter_parser.rb, config/schema/
field_definitions.json).

Agencies: a result may name only an executive agency or other body (DVLA, the Standards and Testing Agency), not its
department. It reaches the department that is its parent, with the agency as the item's publishing `organisation`.
Which department is the parent: search-api expands each of a result's organisations from its organisation registry,
whose fields include `parent_organisations` (slugs; lib/search/registries.rb @ 02439faf; not in the documented
sample responses, which are older), so a result may carry it or not. Both are handled: the parents a result carries
come first, then the registry's agencies (`Department.govuk_agency_slugs`). The poll also asks for those agencies'
slugs: `filter_organisations` matches only the organisations a page is tagged with, not their parents.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError

from shared.adapters.http import UpstreamClient
from shared.domain.departments import Department, by_govuk_slug, parent_of_govuk_organisation
from shared.domain.item import PUBLISHING_ORGANISATION, DepartmentRef, Item, renderable_moment
from shared.domain.kinds import Kind
from shared.domain.links import GOVUK_HOSTS, LinkRefused, OwnHosts, own_link
from shared.domain.raw_record import RawRecordMessage
from shared.domain.text import plain_text
from shared.domain.timeutil import in_london
from shared.observability import logger
from shared.sources.base import (
    Listed,
    ListRequest,
    PoisonRecordError,
    ResponseShapeError,
    Source,
    StartPaginator,
    UpstreamModel,
    validate_record,
)

API = "https://www.gov.uk/api/search.json"
PUBLIC_ORIGIN = "https://www.gov.uk"
PAGE_SIZE = 1500
"""search-api's maximum `count` (MAX_RESULTS; more is a 422). We page by what comes back, so a smaller page is fine."""
FIELDS = (
    "title",
    "link",
    "description",
    "public_timestamp",
    "first_published_at",
    "content_id",
    "content_store_document_type",
    "content_purpose_supergroup",
    "display_type",
    "organisations",
    "is_withdrawn",
)
"""Each is in search-api's field_definitions.json (the allowed return fields); the defaults lack most of them."""
INCLUDE_WITHDRAWN = "include_withdrawn"
"""A `debug` option of the public API: without it withdrawn pages are left out, so is_withdrawn would never be true."""

STATISTICS_DOCUMENT_TYPES = frozenset(
    {
        "statistics",
        "official_statistics",
        "national_statistics",
        "statistical_data_set",
        # Announcements of a coming release: GOV.UK's "statistics" subgroup, so they read as Statistics too.
        "statistics_announcement",
        "official_statistics_announcement",
        "national_statistics_announcement",
    }
)
SUPERGROUP_LABELS = {
    "news_and_communications": "News and Communications",
    "guidance_and_regulation": "Guidance and Regulation",
    "policy_and_engagement": "Policy and Engagement",
    "transparency": "Transparency",
    "services": "Services",
}
"""research_and_statistics is "Statistics" or "Research", by document type."""
RESEARCH_AND_STATISTICS = "research_and_statistics"
_SUPERGROUP_DOCUMENT_TYPES = {
    "news_and_communications": (
        "press_release", "news_story", "news_article", "world_news_story", "speech", "oral_statement",
        "written_statement", "authored_article", "correspondence", "government_response", "fatality_notice",
        "decision",
    ),
    "guidance_and_regulation": (
        "guidance", "detailed_guide", "statutory_guidance", "regulation", "manual", "manual_section", "notice",
        "map", "calendar", "promotional", "international_treaty", "statutory_instrument",
        "detailed_guidance",  # the legacy `format` of a detailed guide (2016-era results have no document type)
    ),
    "policy_and_engagement": (
        "policy_paper", "impact_assessment", "case_study", "open_consultation", "closed_consultation",
        "consultation_outcome",
    ),
    RESEARCH_AND_STATISTICS: ("research", "independent_report", "dfid_research_output", *STATISTICS_DOCUMENT_TYPES),
    "transparency": ("transparency", "corporate_report", "foi_release"),
    "services": (
        "answer", "guide", "transaction", "form", "calculator", "licence", "place", "local_transaction",
        "smart_answer", "simple_smart_answer", "step_by_step_nav", "completed_transaction",
    ),
}  # fmt: skip
DOCUMENT_TYPE_SUPERGROUPS = {kind: group for group, kinds in _SUPERGROUP_DOCUMENT_TYPES.items() for kind in kinds}
"""For a result without a usable content_purpose_supergroup ("other", or none in old results): GOV.UK's own grouping
(alphagov/govuk_document_types data/supertypes.yml), from content_store_document_type or else the legacy `format`."""

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_NOT_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._:/-]+")
LINK_ID_LIMIT = 200
"""An id made from a link is cut here (with a digest of the whole link), well inside the Item id's 300 characters."""


def _aware(value: datetime) -> datetime:
    """GOV.UK's times carry an offset; one without is UTC, as the API's own date filters assume."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


GovukTime = Annotated[datetime, AfterValidator(_aware)]
"""Tolerant ISO 8601: "+00:00", "+01:00", ".000+00:00", "Z" (pydantic's parser)."""
_GOVUK_TIME: TypeAdapter[GovukTime] = TypeAdapter(GovukTime)
GovukMoment = Annotated[GovukTime, AfterValidator(renderable_moment)]
"""A result's own time, as `base.Moment`: one outside the item's years is refused with its field named."""


def _slugs(value: Any) -> Any:
    """`parent_organisations` as slugs: search-api's field is a list of identifiers; an object gives its slug."""
    if isinstance(value, list):
        return [item.get("slug") if isinstance(item, dict) else item for item in value]
    return value


class Organisation(UpstreamModel):
    """An organisation as the API expands it ({title, slug, content_id, parent_organisations, …}); one it does not know
    has only a slug."""

    slug: str = Field(min_length=1)
    title: str | None = None
    parent_organisations: Annotated[list[str], BeforeValidator(_slugs)] = Field(default_factory=list)

    def departments(self) -> list[Department]:
        """The registry department it is; else its departmental parents, as the result gives them, else as the
        registry knows its agencies; none for a body without a departmental parent."""
        if (department := by_govuk_slug(self.slug)) is not None:
            return [department]
        parents = [found for slug in self.parent_organisations if (found := by_govuk_slug(slug)) is not None]
        if parents:
            return parents
        parent = parent_of_govuk_organisation(self.slug)
        return [parent] if parent is not None else []


class Publication(UpstreamModel):
    """One search result. The debug keys the API always adds (es_score, _id, index, …) are ignored: they change."""

    title: str = Field(min_length=1)
    link: str = Field(min_length=1)
    description: str | None = None
    public_timestamp: GovukMoment | None = None
    first_published_at: GovukMoment | None = None
    content_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    content_store_document_type: str | None = None
    content_purpose_supergroup: str | None = None
    display_type: str | None = None
    format: str | None = None
    """Legacy document format: present in old results (which have no content_store_document_type), never requested."""
    organisations: list[Organisation] = Field(default_factory=list)
    is_withdrawn: bool = False

    def departments(self) -> list[Department]:
        """Every registry department among its organisations or their parents, once each, in the order GOV.UK lists
        them."""
        found = (department for organisation in self.organisations for department in organisation.departments())
        return list({department.slug: department for department in found}.values())

    def publishing_agency(self) -> Organisation | None:
        """The organisation GOV.UK lists first (a page's lead organisation) when it is not itself a department: the
        agency or other body that published it."""
        first = self.organisations[0] if self.organisations else None
        return first if first is not None and by_govuk_slug(first.slug) is None else None

    def upstream_id(self) -> str:
        """The content_id; results from before content_id was indexed fall back to their link."""
        return self.content_id.lower() if self.content_id else _link_id(self.link)

    def public_url(self, hosts: OwnHosts) -> str:
        """The page: a path is on www.gov.uk; a link with a scheme must be on GOV.UK's own hosts (else LinkRefused)."""
        link = self.link.strip()
        if not _scheme(link):
            link = PUBLIC_ORIGIN + ("" if link.startswith("/") else "/") + link
        return own_link(link, hosts)

    def document_type(self) -> str | None:
        return self.content_store_document_type or self.format

    def category(self) -> str | None:
        """The label a person sees: GOV.UK's content purpose supergroup, Statistics or Research within research."""
        document_type = self.document_type()
        group = self.content_purpose_supergroup
        if group != RESEARCH_AND_STATISTICS and group not in SUPERGROUP_LABELS:
            group = DOCUMENT_TYPE_SUPERGROUPS.get(document_type or "")
        if group == RESEARCH_AND_STATISTICS:
            return "Statistics" if document_type in STATISTICS_DOCUMENT_TYPES else "Research"
        return SUPERGROUP_LABELS.get(group or "")


def _scheme(link: str) -> str:
    try:
        return urlsplit(link).scheme
    except ValueError:
        return ""


def _link_id(link: str) -> str:
    """The link as an id: characters an Item id may not hold become "-", and a digest of the link keeps it unique."""
    safe = _NOT_ID_CHARACTERS.sub("-", link)
    if safe == link and len(link) <= LINK_ID_LIMIT:
        return link
    return f"{safe[:LINK_ID_LIMIT]}-{hashlib.sha256(link.encode()).hexdigest()[:12]}"


def _timestamp(value: Any) -> datetime | None:
    try:
        return _GOVUK_TIME.validate_python(value) if value else None
    except ValidationError:
        return None


@dataclass
class _ResponseCheck:
    """What one poll saw of the results' dates, to notice an `order` or date filter that the API did not apply."""

    window_start: datetime
    previous: datetime | None = None
    newest_first: bool = True
    date_filter_applied: bool = True

    def before_window(self, record: dict[str, Any]) -> bool:
        timestamp = _timestamp(record.get("public_timestamp"))
        if timestamp is None:
            return False
        if self.newest_first and self.previous is not None and timestamp > self.previous:
            self.newest_first = False
            logger.warning(
                "results are not newest first: the order parameter was not applied",
                extra={"source": GovukPublicationsSource.name, "link": record.get("link")},
            )
        self.previous = timestamp
        if timestamp >= self.window_start:
            return False
        if self.date_filter_applied:
            self.date_filter_applied = False
            logger.warning(
                "results older than the window: the date filter was not applied",
                extra={"source": GovukPublicationsSource.name, "window_start": self.window_start.isoformat()},
            )
        return True

    def past_window(self) -> bool:
        """Newest first and already older than the window: every later page is older still."""
        return self.newest_first and not self.date_filter_applied


def _organisation_slugs(departments: Sequence[Department]) -> list[str]:
    """The departments' GOV.UK slugs, current and former, then those of their agencies."""
    slugs = [slug for d in departments for slug in d.govuk_slugs] + [
        s for d in departments for s in d.govuk_agency_slugs
    ]
    return list(dict.fromkeys(slugs))


def _window_start(since: datetime) -> datetime:
    """The API's dates are UTC days; the first one of the window covers `since`, whatever its time of day."""
    return datetime.combine(in_london(since).astimezone(UTC).date(), time(), UTC)


class GovukPublicationsSource(Source):
    name = "govuk-publications"
    kind = Kind.PUBLICATION
    own_hosts = GOVUK_HOSTS
    api_host = "www.gov.uk"
    paginator = StartPaginator()
    volatile_fields = frozenset({"es_score", "index", "_id", "elasticsearch_type", "document_type"})

    def records_from_response(self, body: Any) -> list[dict[str, Any]]:
        """A search response `{results: [...], total, start, aggregates, …}`: its results, as they are."""
        if not (
            isinstance(body, dict)
            and isinstance(body.get("results"), list)
            and isinstance(body.get("total"), int)
            and not isinstance(body.get("total"), bool)
        ):
            raise ResponseShapeError("not a GOV.UK search response: expected {results: [...], total, start, ...}")
        for position, result in enumerate(body["results"]):
            if not isinstance(result, dict):
                raise ResponseShapeError(f"results[{position}] is not an object")
        return list(body["results"])

    def list_requests(
        self, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterable[ListRequest]:
        """One query for every department (its current and former organisation slugs), newest first."""
        slugs = _organisation_slugs(departments)
        if not slugs:
            return  # no GOV.UK organisation to ask for (a query without the filter would return all of GOV.UK)
        params: dict[str, Any] = {
            "filter_organisations": slugs,
            "filter_public_timestamp": f"from:{_window_start(since).date().isoformat()}",
            "order": "-public_timestamp",
            "fields": list(FIELDS),
            "debug": INCLUDE_WITHDRAWN,
            "count": PAGE_SIZE,
        }
        yield ListRequest(API, params)

    def asked(self, departments: Sequence[Department]) -> Callable[[dict[str, Any]], bool]:
        asked = set(_organisation_slugs(departments))

        def named(record: dict[str, Any]) -> bool:
            organisations = record.get("organisations") or ()
            return bool(asked & {o.get("slug") for o in organisations if isinstance(o, dict)})

        return named

    def listed(
        self, http: UpstreamClient, departments: Sequence[Department], since: datetime, until: datetime
    ) -> Iterator[Listed]:
        """The pages, without results older than the window, and no further page once newest-first results are
        past it (the API ignored the date filter: every later page is older still)."""
        check = _ResponseCheck(_window_start(since))
        for request in self.list_requests(departments, since, until):
            for page in self.paginator.pages(http, request, self.records_from_response):
                yield from (listed for listed in page if not check.before_window(listed.record))
                if check.past_window():
                    return

    def parse(self, message: RawRecordMessage) -> Item:
        publication = validate_record(Publication, message.record, "GOV.UK search result")
        departments = publication.departments()
        if not departments:
            named = ", ".join(o.slug for o in publication.organisations[:5]) or "none"
            raise PoisonRecordError(
                f"none of its GOV.UK organisations ({named}) is a department in the registry or has one as its parent"
            )
        title = plain_text(publication.title)
        if not title:
            raise PoisonRecordError("invalid GOV.UK search result: title: empty once markup is removed")
        try:
            # No page can be built from a content_id: a result whose link is not GOV.UK's is refused, not rewritten.
            url = publication.public_url(self.own_hosts)
        except LinkRefused as refused:
            raise PoisonRecordError(f"invalid GOV.UK search result: link: {refused}") from None
        agency = publication.publishing_agency()
        published = publication.first_published_at or publication.public_timestamp
        updated = publication.public_timestamp or publication.first_published_at
        if published is None or updated is None:
            raise PoisonRecordError("invalid GOV.UK search result: no public_timestamp nor first_published_at")
        # Only an agency's publication names its organisation: a department's own has no such detail or attribute.
        publisher = (
            {
                PUBLISHING_ORGANISATION: agency.slug.strip().lower(),
                "organisation_name": plain_text(agency.title) or None,
            }
            if agency
            else {}
        )
        return Item(
            id=f"{self.name}:{publication.upstream_id()}",
            source=self.name,
            kind=self.kind,
            category=publication.category(),
            departments=tuple(DepartmentRef(slug=d.slug, name=d.name) for d in departments),
            title=title,
            url=url,
            published_at=published,
            updated_at=updated,
            state="withdrawn" if publication.is_withdrawn else "published",
            summary=plain_text(publication.description) or None,
            details={
                "content_store_document_type": publication.content_store_document_type,
                "display_type": publication.display_type,
                **publisher,
            },
        )
