"""A watch's value that is nearly a known one is refused with the known one suggested."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.watching.watch import Watch


@pytest.mark.parametrize(
    ("fields", "suggestion"),
    [
        ({"departments": ["department-for-educaton"]}, "did you mean 'department-for-education' for"),
        ({"events": ["answerd"]}, "did you mean 'answered' for 'answerd'?"),
        ({"kinds": ["written-questions"]}, "did you mean 'written-question' for"),
        ({"sources": ["written-question"]}, "did you mean 'written-questions' for"),
        ({"houses": ["lord"]}, "did you mean 'lords' for 'lord'?"),
    ],
)
def test_a_near_miss_is_refused_with_a_suggestion(fields: dict[str, Any], suggestion: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Watch.model_validate({"name": "w", **fields})
    assert suggestion in str(raised.value)


def test_nothing_is_suggested_when_nothing_is_close() -> None:
    with pytest.raises(ValidationError) as raised:
        Watch.model_validate({"name": "w", "events": ["exploded"], "departments": ["zzz"]})
    assert "did you mean" not in str(raised.value)
    assert "unknown event 'exploded'; known: new" in str(raised.value)
