"""`serve --departments`: the copy of a state made by `run --departments X` can be served (README: to browse what a
`run --watch` keeps, `serve` a copy), as a state made for some departments is refused by a command made for all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Deptwatch


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The read side is built and then stopped at once, as by Ctrl-C; counts the servers."""
    import infra.local.serve

    servers: list[int] = []
    real_server = infra.local.serve.read_api_server

    def read_api_server(*args: Any, **kwargs: Any) -> Any:
        server = real_server(*args, **kwargs)

        def serve_forever(poll_interval: float = 0.5) -> None:
            servers.append(1)
            raise KeyboardInterrupt

        server.serve_forever = serve_forever  # type: ignore[method-assign]
        return server

    monkeypatch.setattr(infra.local.serve, "read_api_server", read_api_server)
    return servers


def test_a_copy_of_a_state_made_for_some_departments_can_be_served(
    deptwatch: Deptwatch, tmp_path: Path, served: list[int]
) -> None:
    # GIVEN the state of `run --offline --departments home-office --state D`, copied
    state, view = tmp_path / "state", tmp_path / "state-view"
    first_code, _, first_err = deptwatch(
        "run", "--offline", "--quiet", "--departments", "home-office", "--state", str(state)
    )
    assert first_code == 0, first_err
    shutil.copytree(state, view)
    # WHEN the copy is served for the same departments
    code, _, err = deptwatch("serve", "--offline", "--port", "0", "--departments", "home-office", "--state", str(view))
    # THEN it is accepted and served
    assert code == 0, err
    assert served == [1]
    # AND without --departments it is still refused, naming why
    refused_code, _, refused_err = deptwatch("serve", "--offline", "--port", "0", "--state", str(view))
    assert refused_code == 2 and "Departments" in refused_err, refused_err
