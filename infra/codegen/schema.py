"""The published notification's JSON Schema, generated from the pydantic model and committed in docs/schema/.

`python -m infra.codegen.schema --write` regenerates it; without --write it exits 1 when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.domain.notification import NOTIFICATION_SCHEMA, Notification

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema" / "notification-1.schema.json"


def render_schema() -> str:
    schema = Notification.model_json_schema(by_alias=True, mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/deptwatch/deptwatch/docs/schema/{SCHEMA_FILE.name}",
        "title": NOTIFICATION_SCHEMA,
        **{key: value for key, value in schema.items() if key != "title"},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    rendered = render_schema()
    if "--write" in argv:
        SCHEMA_FILE.write_text(rendered, encoding="utf-8")
        return 0
    if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != rendered:
        print(f"{SCHEMA_FILE} is stale: run `make schema`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
