"""Every user error of every `deptwatch` command: one line naming the flag and what is accepted, exit 2, no traceback
(one only with --verbose), and nothing asked of AWS. The commands are walked from the parser itself, so a new
command or flag is covered without a new test."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli.main import build_parser, main

cli = importlib.import_module("infra.cli.main")  # the module (the package exports its `main` under that name)

REQUIRED = {
    "ingest": ["--source", "written-questions", "records.json"],
    "subscribe": ["--department", "dfe", "--protocol", "sqs", "--endpoint", "arn:aws:sqs:eu-west-2:1:q"],
    "watch add": ["raac"],
    "watch show": ["raac"],
    "watch remove": ["raac"],
    "dlq": ["list"],
    "unsubscribe": ["--endpoint", "someone@example.org"],
    "notify": ["--item", "written-questions:1"],
}
"""The least each command needs besides the flag under test."""

DEPLOYED_STACK_COMMANDS = [
    "topics",
    "subscribe",
    "subscriptions",
    "unsubscribe",
    "watch add",
    "watch list",
    "watch show",
    "watch remove",
    "dlq",
    "notify",
]


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subcommands = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not subcommands:
        yield prefix
        return
    for name, sub in subcommands[0].choices.items():
        yield from leaf_commands(sub, (*prefix, name))


def command_parser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        [subcommands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = subcommands.choices[name]
    return parser


COMMANDS = list(leaf_commands(build_parser()))


def checked_flags() -> Iterator[tuple[tuple[str, ...], str]]:
    """(command, flag) for every flag whose value is checked: a closed set or a type."""
    for path in COMMANDS:
        for action in command_parser(path)._actions:
            if action.option_strings and (action.choices or action.type not in (None, str)):
                yield path, action.option_strings[-1]


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command that asks AWS anything fails the test."""
    import boto3

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("AWS was called")

    monkeypatch.setattr(boto3, "client", refuse)


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    capsys.readouterr()
    saved = dict(os.environ)
    try:
        code = main(list(arguments))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_refusal(code: int, out: str, err: str, *mentions: str) -> None:
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for mention in mentions:
        assert mention in err


def test_every_command_is_covered() -> None:
    assert {" ".join(path) for path in COMMANDS} >= {"run", "departments", *DEPLOYED_STACK_COMMANDS}


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_unknown_flag_is_one_line_naming_the_command_and_its_help(path, capsys, no_aws) -> None:
    code, out, err = run(capsys, *path, *REQUIRED.get(" ".join(path), []), "--no-such-flag")
    assert_one_line_refusal(code, out, err, "--no-such-flag", f"deptwatch {' '.join(path)} --help")


@pytest.mark.parametrize(
    ("path", "flag"), list(checked_flags()), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_a_bad_value_of_every_checked_flag_is_one_line_naming_the_flag(path, flag, capsys, no_aws) -> None:
    code, out, err = run(capsys, *path, *REQUIRED.get(" ".join(path), []), flag, "no-such-value")
    assert_one_line_refusal(code, out, err, f"argument {flag}", "no-such-value")


@pytest.mark.parametrize("path", [p for p in COMMANDS if " ".join(p) in REQUIRED], ids=" ".join)
def test_a_missing_argument_is_one_line(path, capsys, no_aws) -> None:
    code, out, err = run(capsys, *path)
    assert_one_line_refusal(code, out, err, "required")


@pytest.mark.parametrize(
    ("arguments", "mentions"),
    [
        (["run", "--since", "17/04/2024"], ["--since", "YYYY-MM-DD", "did you mean '2024-04-17'"]),
        (["run", "--since", "yesterday"], ["--since", "YYYY-MM-DD"]),
        (["run", "--departments", "dfe,dhsx"], ["--departments", "'dhsx'", "department-of-health-and-social-care"]),
        (["run", "--interval", "-5"], ["--interval", "above 0"]),
        (
            [*["subscribe", *REQUIRED["subscribe"]], "--kind", "written-questions", "--event", "answerd"],
            ["--kind", "did you mean 'written-question'", "written-statement"],
        ),
        ([*["subscribe", *REQUIRED["subscribe"]], "--event", "answerd"], ["--event", "did you mean 'answered'"]),
        ([*["subscribe", *REQUIRED["subscribe"]], "--house", "both"], ["--house", "commons, lords"]),
        ([*["subscribe", *REQUIRED["subscribe"]], "--source", "written-question"], ["--source", "'written-questions'"]),
        (["subscribe", "--department", "department-for-eductaion", *REQUIRED["subscribe"][2:]], ["did you mean"]),
        (["watch", "add", "raac", "--department", "dhcs"], ["--department", "deptwatch departments"]),
        (["ingest", "--source", "written-questions", "--department", "dfee", "f.json"], ["--department", "dfe"]),
    ],
)
def test_a_misspelt_value_is_refused_with_the_near_miss_before_aws_is_called(
    arguments, mentions, capsys, no_aws
) -> None:
    code, out, err = run(capsys, *arguments)
    assert_one_line_refusal(code, out, err, *mentions)


@pytest.mark.parametrize(
    "arguments",
    [["--verbose", "run", "--offline"], ["run", "--offline", "--verbose"], ["run", "--verbose", "--offline"]],
)
def test_verbose_is_accepted_before_and_after_the_command(arguments) -> None:
    # `make demo ARGS=--verbose` runs `deptwatch run --offline --verbose`
    assert build_parser().parse_args(arguments).verbose is True


def test_without_verbose_it_is_false_whichever_the_command() -> None:
    assert build_parser().parse_args(["run"]).verbose is False
    assert build_parser().parse_args(["watch", "list"]).verbose is False


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No AWS configuration at all: no region, no credentials, no profile files, no instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # an earlier test's session keeps the credentials it found
    return monkeypatch


def deployed_stack_arguments() -> list[list[str]]:
    return [[*path.split(), *REQUIRED.get(path, [])] for path in DEPLOYED_STACK_COMMANDS]


@pytest.mark.parametrize("arguments", deployed_stack_arguments(), ids=" ".join)
def test_no_region_is_one_line_for_every_deployed_stack_command(arguments, nowhere, capsys) -> None:
    code, out, err = run(capsys, *arguments)
    assert_one_line_refusal(code, out, err, "no AWS region", "AWS_DEFAULT_REGION")


@pytest.mark.parametrize("arguments", deployed_stack_arguments(), ids=" ".join)
def test_no_credentials_is_one_line_for_every_deployed_stack_command(arguments, nowhere, capsys) -> None:
    nowhere.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    code, out, err = run(capsys, *arguments)
    assert_one_line_refusal(code, out, err, "no AWS credentials")


def test_an_unexpected_error_is_one_line_and_its_traceback_only_with_verbose(monkeypatch, capsys) -> None:
    def broken(args: argparse.Namespace, out: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "command_departments", broken)
    code, out, err = run(capsys, "departments")
    assert code == 1 and out == ""
    assert err == "deptwatch departments: unexpected ZeroDivisionError: a bug (run with --verbose for the traceback)\n"
    with pytest.raises(ZeroDivisionError):
        main(["departments", "--verbose"])
