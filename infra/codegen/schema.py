"""The published notification's and digest's JSON Schemas, generated from the pydantic models and committed in
docs/schema/.

`python -m infra.codegen.schema --write` regenerates it; without --write it exits 1 when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from shared.domain.digest import DIGEST_SCHEMA, Digest
from shared.domain.notification import NOTIFICATION_SCHEMA, Notification

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema" / "notification-1.schema.json"
DIGEST_SCHEMA_FILE = SCHEMA_FILE.with_name("digest-1.schema.json")


def render_schema() -> str:
    return _render(Notification, NOTIFICATION_SCHEMA, SCHEMA_FILE)


def render_digest_schema() -> str:
    return _render(Digest, DIGEST_SCHEMA, DIGEST_SCHEMA_FILE)


def _render(model: type[BaseModel], title: str, file: Path) -> str:
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://github.com/deptwatch/deptwatch/docs/schema/{file.name}",
        "title": title,
        **{key: value for key, value in schema.items() if key != "title"},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    stale = 0
    for file, rendered in ((SCHEMA_FILE, render_schema()), (DIGEST_SCHEMA_FILE, render_digest_schema())):
        if "--write" in argv:
            file.write_text(rendered, encoding="utf-8")
        elif not file.exists() or file.read_text(encoding="utf-8") != rendered:
            print(f"{file} is stale: run `make schema`", file=sys.stderr)
            stale = 1
    return stale


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
