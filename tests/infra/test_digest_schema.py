"""The committed JSON Schema of the digest contract is the one the pydantic model generates, and names its items in
the notification's item shape."""

import json

from infra.codegen.schema import DIGEST_SCHEMA_FILE, SCHEMA_FILE, main, render_digest_schema
from shared.domain.digest import DIGEST_SCHEMA


def test_committed_digest_schema_matches_the_model() -> None:
    # GIVEN the committed schema WHEN the model's schema is generated THEN they are identical (run `make schema`)
    assert DIGEST_SCHEMA_FILE.read_text(encoding="utf-8") == render_digest_schema()
    assert main([]) == 0


def test_digest_schema_names_the_contract_and_shares_the_notification_item() -> None:
    schema = json.loads(DIGEST_SCHEMA_FILE.read_text(encoding="utf-8"))
    notification = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["title"] == DIGEST_SCHEMA
    assert {"schema", "watch", "digest", "period", "total", "items"} <= set(schema["required"]) | {"schema"}
    assert schema["properties"]["items"]["items"] == {"$ref": "#/$defs/NotificationItem"}
    assert schema["$defs"]["NotificationItem"] == notification["$defs"]["NotificationItem"]
