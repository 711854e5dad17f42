"""A stack as the `deptwatch` commands find a deployed one: through CloudFormation's outputs."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable

import boto3

from infra.local.stack import STACK_NAME, LocalStack

Deptwatch = Callable[..., tuple[int, str, str]]
"""The `deptwatch` fixture: run the command with these arguments, get its exit status, stdout and stderr."""


def deploy_outputs(stack: LocalStack, names: list[str]) -> str:
    """A CloudFormation stack named like the local one whose Outputs name the local stack's resources, as a
    deployment's do: the commands find the stack's resources through it."""
    template = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {name: {"Value": stack.output(name)} for name in names},
    }
    with warnings.catch_warnings():  # moto warns that it creates the stack without that resource
        warnings.simplefilter("ignore", UserWarning)
        boto3.client("cloudformation").create_stack(StackName=STACK_NAME, TemplateBody=json.dumps(template))
    return STACK_NAME
