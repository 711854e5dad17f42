"""A "JointStatement" link carries only the linked statement's id, type and date: when it does not say the other
statement's House, the email claims none. The demo's constructed pair (DfE 1701203 and DWP 1701204, both made in the
Commons, each linking the other) read "Also made in the House of Lords" before: a wrong claim."""

from __future__ import annotations

import json

from infra.local.replay import RECORDED

PAIR = RECORDED / "written-statements" / "list_2024-04-18.json"
JOINT = {"written-statements:1701203", "written-statements:1701204"}


def test_a_joint_link_without_the_other_house_claims_no_house(deptwatch):
    # GIVEN the recorded list, in which two Commons statements of DfE and DWP link each other as joint statements
    # WHEN it is ingested through the local pipeline
    code, out, err = deptwatch("ingest", "--json", "--source", "written-statements", str(PAIR))

    # THEN each is delivered once, saying it is a joint statement linked with the other, and naming no House
    assert code == 0, err
    emails = {line["message"]["item"]["id"]: line["email"] for line in map(json.loads, out.splitlines())}
    assert set(emails) >= JOINT
    for item_id in JOINT:
        assert "House of Lords" not in emails[item_id]
        assert "Also made in" not in emails[item_id]
    assert "Joint statement, linked with statement 1701204.\n" in emails["written-statements:1701203"]
    assert "Joint statement, linked with statement 1701203.\n" in emails["written-statements:1701204"]
