"""HTTP API Lambda (API Gateway HTTP API, payload 2.0): the department pages, feeds, calendars, search and items."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler import Response as HttpResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws import aws_client
from shared.adapters.read_store import ReadStore
from shared.adapters.watch_store import WatchStore
from shared.container import per_container
from shared.observability import logger
from shared.settings import read_api_settings
from shared.web.http import Response, wants_json
from shared.web.site import Request, Site

app = APIGatewayHttpResolver()


@per_container
def _site() -> Site:
    settings, dynamodb = read_api_settings(), aws_client("dynamodb")
    watches = WatchStore(dynamodb, settings.STATE_TABLE_NAME)
    return Site(ReadStore(dynamodb, settings.READ_TABLE_NAME), watches=watches.get)


def _request() -> Request:
    event = app.current_event
    proto = event.headers.get("x-forwarded-proto", "https")
    host = event.headers.get("host") or event.request_context.domain_name
    return Request(f"{proto}://{host}", dict(event.query_string_parameters or {}), event.headers.get("accept"))


def _answer(response: Response) -> HttpResponse[str]:
    status, headers, body = response.answer(app.current_event.headers)
    return HttpResponse(status_code=status, content_type=headers.pop("Content-Type"), body=body, headers=headers)


@app.get("/")
def home() -> HttpResponse[str]:
    request = _request()
    return _answer(_site().home(request, wants_json("", request.accept)[1]))


@app.get("/index.json")
def home_json() -> HttpResponse[str]:
    return _answer(_site().home(_request(), True))


@app.get("/departments/<slug>")
def department(slug: str) -> HttpResponse[str]:
    request = _request()
    name, as_json = wants_json(slug, request.accept)
    return _answer(_site().department(name, request, as_json))


@app.get("/departments/<slug>/feed.atom")
def feed(slug: str) -> HttpResponse[str]:
    return _answer(_site().feed(slug, _request()))


@app.get("/departments/<slug>/calendar.ics")
def calendar(slug: str) -> HttpResponse[str]:
    return _answer(_site().calendar(slug, _request()))


@app.get("/items/<item_id>")
def item(item_id: str) -> HttpResponse[str]:
    request, item_id = _request(), unquote(item_id)
    if item_id.endswith(".ics"):
        return _answer(_site().item_calendar(item_id.removesuffix(".ics"), request))
    name, as_json = wants_json(item_id, request.accept)
    return _answer(_site().item(name, request, as_json))


@app.get("/search")
def search() -> HttpResponse[str]:
    request = _request()
    return _answer(_site().search(request, wants_json("", request.accept)[1]))


@app.get("/search.json")
def search_json() -> HttpResponse[str]:
    return _answer(_site().search(_request(), True))


@app.get("/watches/<name>")
def watch(name: str) -> HttpResponse[str]:
    request = _request()
    if name.endswith(".atom"):
        return _answer(_site().watch_feed(name.removesuffix(".atom"), request))
    name, as_json = wants_json(name, request.accept)
    return _answer(_site().watch(name, request, as_json))


@app.not_found
def not_found(_: Exception) -> HttpResponse[str]:
    request = _request()
    return _answer(_site().not_found("There is no such page.", wants_json(app.current_event.path, request.accept)[1]))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
