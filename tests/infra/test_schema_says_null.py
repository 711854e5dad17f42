"""What the committed schema says of an optional field is what a published message carries: a field the message
always writes (null when it does not apply) is not described as absent."""

import json
import re

from infra.codegen.schema import SCHEMA_FILE
from shared.domain.events import Event
from shared.domain.notification import Notification
from tests.unit.question_items import question_item


def described(schema: dict, spec: dict) -> str:
    """A property's own description and that of the definition it refers to."""
    refs = [s["$ref"] for s in [spec, *spec.get("anyOf", [])] if "$ref" in s]
    defs = [schema["$defs"][ref.rsplit("/", 1)[-1]].get("description", "") for ref in refs]
    return " ".join([spec.get("description", ""), *defs])


def test_a_field_said_to_be_absent_is_absent_from_a_published_message():
    # GIVEN the committed schema and a first version's message, every optional field at its default
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    item = question_item()
    published = json.loads(Notification.for_department(item, 1, Event.NEW, item.departments[0]).to_json())
    # THEN each top-level field the schema calls absent (when it does not apply) is not in the message
    said_absent = [
        name for name, spec in schema["properties"].items() if re.search(r"\babsent\b", described(schema, spec))
    ]
    assert [name for name in said_absent if name in published] == []
