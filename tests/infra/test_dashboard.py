"""Issue #16 "Operating": the CloudWatch dashboard in the template, built on AWS's own metrics, the one custom metric
and the functions' per-source log lines, and linked from the stack's Outputs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra.helpers import references, resources_of_type

DASHBOARD = "OperatingDashboard"
PSEUDO_PARAMETERS = {"AWS::Region", "AWS::StackName", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix"}


@pytest.fixture(scope="module")
def dashboard(template: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The dashboard's body, its `${…}` placeholders replaced by `<Name>` or `<Name.Attribute>`, and the names."""
    body = template["Resources"][DASHBOARD]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}!]+)\}", body))
    resolved = re.sub(r"\$\{([^}!]+)\}", lambda m: "0" if m[1] == "StaleAfterMinutes" else f"<{m[1]}>", body)
    return json.loads(resolved), names


def _metrics(body: dict[str, Any]) -> list[list[Any]]:
    return [m for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]


def test_the_dashboard_refers_only_to_what_the_template_defines(template, dashboard) -> None:
    # GIVEN the dashboard's placeholders / WHEN each is looked up / THEN it is a resource, parameter or pseudo parameter
    _, names = dashboard
    known = set(template["Resources"]) | set(template["Parameters"]) | PSEUDO_PARAMETERS
    for name in names:
        assert name.split(".")[0] in known, name


def test_every_queue_and_function_is_on_the_dashboard(template, dashboard) -> None:
    # GIVEN every queue and function of the template, and the dashboard's metrics
    body, _ = dashboard
    metrics = _metrics(body)
    queues = set(resources_of_type(template, "AWS::SQS::Queue"))
    functions = set(resources_of_type(template, "AWS::Serverless::Function"))
    assert len(queues) >= 5 and len(functions) >= 5

    def shown(namespace: str, name: str) -> set[str]:
        values = {str(m[3]).strip("<>").split(".")[0] for m in metrics if m[:2] == [namespace, name]}
        return values

    # WHEN the metrics are read / THEN every queue's depth, and every function's errors, throttles and duration show
    assert shown("AWS/SQS", "ApproximateNumberOfMessagesVisible") == queues
    for name in ("Errors", "Throttles", "Duration"):
        assert shown("AWS/Lambda", name) == functions, name
    # AND the notifier's iterator age and the stale alarm's metric, the two an operator waits on
    assert shown("AWS/Lambda", "IteratorAge") == {"NotifierFunction"}
    assert [m[:4] for m in metrics if m[0] == "Deptwatch"] == [
        ["Deptwatch", "OldestSuccessAgeSeconds", "service", "deptwatch"]
    ]


def test_per_source_detail_comes_from_the_log_lines_the_functions_write(template, dashboard) -> None:
    # GIVEN the dashboard's Logs Insights widgets
    body, _ = dashboard
    queries = [w["properties"]["query"] for w in body["widgets"] if w["type"] == "log"]
    # WHEN their sources and filters are read
    log_groups = {re.match(r"SOURCE '<(\w+)>'", q)[1] for q in queries}  # type: ignore[index]
    messages = {re.search(r"filter message = '([^']+)'", q)[1] for q in queries}  # type: ignore[index]
    # THEN they read the functions' own log groups, for the lines the code writes ("… by source" for the per-source)
    assert all(template["Resources"][group]["Type"] == "AWS::Logs::LogGroup" for group in log_groups)
    assert messages == {"poll reported", "records processed", "notifications published"}
    assert sum("by source" in q for q in queries) == 2


def test_the_stack_outputs_link_to_the_dashboard(template) -> None:
    # GIVEN the stack's outputs / WHEN the dashboard's is read / THEN it links to this dashboard in the console
    output = template["Outputs"]["DashboardUrl"]
    assert DASHBOARD in references(output)
    assert "console.aws.amazon.com/cloudwatch" in output["Value"]["Fn::Sub"]
