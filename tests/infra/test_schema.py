"""The committed JSON Schema of the notification contract is the one the pydantic model generates."""

import json

from infra.codegen.schema import SCHEMA_FILE, render_schema
from shared.domain.notification import NOTIFICATION_SCHEMA


def test_committed_schema_matches_the_model():
    # GIVEN the committed schema WHEN the model's schema is generated THEN they are identical (run `make schema`)
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema()


def test_schema_names_the_contract_and_its_required_fields():
    # GIVEN the committed schema
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # THEN it is titled by the contract version and requires what version 1 promised
    assert schema["title"] == NOTIFICATION_SCHEMA
    item = schema["$defs"]["NotificationItem"]
    for field in ("id", "source", "kind", "department", "title", "url", "published_at", "updated_at", "version"):
        assert field in item["required"], field
    assert {"schema", "event", "item"} <= set(schema["properties"])
