"""Paging a list that has no date filter but can be sorted newest-updated first: read pages until the window is left.

The Bills API lists bills by `SortOrder=DateUpdatedDescending` and filters them by nothing that is a date; reading
every bill of a department on every poll would cost all its pages. Sorted newest first, a poll reads pages until one
holds a record updated before the window: an idle poll costs one request per query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.adapters.http import UpstreamClient, UpstreamResponseError
from shared.domain.timeutil import in_london
from shared.sources.base import Listed, ListPosition, ListRequest, PageCount, Paginator, RecordReader, read_page


@dataclass(frozen=True)
class WindowRequest(ListRequest):
    """A list query whose window the paginator applies itself: the API takes no date filter."""

    since: datetime | None = None
    until: datetime | None = None


def moment(value: Any) -> datetime | None:
    """An upstream date-time as an aware one (naive: London, as Parliament's are), or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return in_london(datetime.fromisoformat(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class NewestFirstPaginator(Paginator):
    """`skip` paging over `{items: [...], totalResults}` sorted by `updated` newest first, stopped by the window.

    - Records updated inside [since, until] are listed; those outside are not (a newer one belongs to a later poll,
      which reads from its own start); a record whose `updated` cannot be read is listed, for the processor to refuse
      with its reason.
    - The pages stop after the first that holds a record updated before `since`, or where they add up to the total
      (`PageCount`, as every counted list).
    - A readable record updated later than one before it means the API ignored the sort order: stopping early would
      lose records, so the poll fails (UpstreamResponseError) and the watermark stays put.
    """

    skip: str
    items: str
    total: str
    updated: str | Callable[[dict[str, Any]], datetime | None]
    """The field of the record's time (read by `moment`), or a function giving it."""

    def time_of(self, record: dict[str, Any]) -> datetime | None:
        return moment(record.get(self.updated)) if isinstance(self.updated, str) else self.updated(record)

    def pages(
        self, http: UpstreamClient, request: ListRequest, read: RecordReader, start: int = 0
    ) -> Iterator[list[Listed]]:
        since = request.since if isinstance(request, WindowRequest) else None
        until = request.until if isinstance(request, WindowRequest) else None
        count = PageCount(request.url, self.total, read=start)
        previous: datetime | None = None
        while True:
            offset = count.read
            body = http.get_json(request.url, {**request.params, self.skip: offset})
            if not isinstance(body, dict) or not isinstance(body.get(self.items), list):
                expected = f"{{{self.items}: [...], {self.total}}}"
                raise UpstreamResponseError(f"not a list page: expected {expected}", request.url)
            records = read_page(read, body, request.url)
            exhausted = count.add(body, len(records))
            origin = f"{request.url}?{self.skip}={offset}"
            left_window = False
            page: list[Listed] = []
            for record in records:
                updated = self.time_of(record)
                if updated is not None:
                    if previous is not None and updated > previous:
                        raise UpstreamResponseError(
                            f"the list is not newest first ({updated.isoformat()} after "
                            f"{previous.isoformat()}): its sort order was ignored",
                            request.url,
                        )
                    previous = updated
                    if since is not None and updated < since:
                        left_window = True
                        continue
                    if until is not None and updated > until:
                        continue
                page.append(Listed(record, origin, request.department, ListPosition(offset=offset)))
            yield page
            if exhausted or left_window:
                return
