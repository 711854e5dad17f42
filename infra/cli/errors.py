"""How `deptwatch` says what went wrong: one line, an exit status, and a traceback only with `--verbose`.

Exit 2 is a problem the user can fix where they stand (a flag, the AWS region or credentials, a stack's name); exit 1
is a failure of the work itself (AWS refusing a call, something unexpected).
"""

from __future__ import annotations

import argparse
from typing import NoReturn

USAGE_ERROR = 2
FAILURE = 1


class OneLineParser(argparse.ArgumentParser):
    """argparse with its refusals on one line (naming the command and where its help is), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def describe(error: Exception) -> tuple[str, int]:
    """The one line and exit status for an exception a command did not handle itself."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    if isinstance(error, NoRegionError):
        return (
            "no AWS region: set AWS_DEFAULT_REGION to the stack's region (or a region in your AWS profile)",
            USAGE_ERROR,
        )
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see `aws configure`)",
            USAGE_ERROR,
        )
    if isinstance(error, ProfileNotFound):
        return f"{error} (check AWS_PROFILE)", USAGE_ERROR
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach AWS ({error}; no network?)", FAILURE
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return (
            f"AWS refused {error.operation_name}: {details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(
                ": "
            ),
            FAILURE,
        )
    return f"unexpected {type(error).__name__}: {error} (run with --verbose for the traceback)", FAILURE
