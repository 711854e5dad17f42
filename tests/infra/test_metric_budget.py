"""Issue #17: custom metrics only for what an alarm reads, with one dimension set each (each name/dimension set costs
$0.30 a month; per-source detail is in the logs), and every alarm on a failure no other alarm covers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.infra.helpers import resources_of_type

ROOT = Path(__file__).resolve().parents[2]
CUSTOM_NAMESPACE = "Deptwatch"


def _code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for d in ("functions", "shared") for p in (ROOT / d).rglob("*.py"))


def _alarm_metrics(translation: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for alarm in resources_of_type(translation, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if "MetricName" in properties:
            found.append({k: properties.get(k, []) for k in ("Namespace", "MetricName", "Dimensions")})
        found += [q["MetricStat"]["Metric"] for q in properties.get("Metrics", []) if "MetricStat" in q]
    return found


def test_every_custom_metric_the_code_emits_feeds_an_alarm(translation: dict[str, Any]) -> None:
    # GIVEN the custom metrics the alarms read, and every metric name the code emits
    alarmed = {m["MetricName"] for m in _alarm_metrics(translation) if m["Namespace"] == CUSTOM_NAMESPACE}
    emitted = set(re.findall(r'(?:add_metric|single_metric)\(\s*name="(\w+)"', _code()))
    # WHEN they are compared / THEN nothing is emitted that no alarm reads (a log line is free to query)
    assert emitted, "the stale alarm's metric must still be emitted"
    assert emitted <= alarmed, f"custom metrics no alarm reads: {sorted(emitted - alarmed)}"


def test_no_metric_is_split_by_a_dimension_of_its_own() -> None:
    # GIVEN the code of the functions and shared/ / WHEN it is searched for extra dimensions
    # THEN there are none: a dimension per source (or outcome) multiplies the metric's price by their number
    assert "add_dimension(" not in _code()


def test_the_alarms_read_at_most_the_budgeted_metrics(translation: dict[str, Any]) -> None:
    # GIVEN every metric the alarms read ($0.10 a month each)
    metrics = _alarm_metrics(translation)
    # WHEN they are counted / THEN they are the three failure queues, the stale sources, the processor's and the
    # digester's errors and the notifier's iterator age: seven, one for each failure an operator must act on
    assert len(metrics) == 7, [m["MetricName"] for m in metrics]
    names = sorted(m["MetricName"] for m in metrics)
    assert names == sorted(
        ["ApproximateNumberOfMessagesVisible"] * 3 + ["OldestSuccessAgeSeconds", "Errors", "Errors", "IteratorAge"]
    )
