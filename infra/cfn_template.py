"""Read a CloudFormation/SAM template with cfn-lint's own decoder: the shape CloudFormation's JSON form has.

`!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Sub "..."` is `{"Fn::Sub": "..."}`;
unquoted dates stay strings and a repeated key is an error (`cfnlint.decode.cfn_yaml.CfnParseError`), as in
CloudFormation. The result is plain dicts, lists and strings (cfn-lint's nodes carry line marks we do not need).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

_parsed: dict[tuple[str, int, int], dict[str, Any]] = {}


def loads_template(text: str) -> dict[str, Any]:
    """Parse template text (YAML or JSON)."""
    template = cfn_yaml.loads(text)
    if not isinstance(template, dict):
        raise ValueError("a CloudFormation template must be a mapping at the top level")
    return json.loads(json.dumps(template))  # type: ignore[no-any-return]


def load_template(path: str | Path) -> dict[str, Any]:
    """Read a template file. Parsed once per content (every local stack reads template.yaml); each caller gets its own
    copy to change, and an edited file (new mtime or size) is read again."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        _parsed[key] = loads_template(resolved.read_text(encoding="utf-8"))
    return copy.deepcopy(_parsed[key])
