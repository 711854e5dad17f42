"""`python -m infra.local.screenshot OUT.png [PATH]`: the offline demo's items served locally, and a headless
Chromium's screenshot of one page (by default the Department for Education's) for the README."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from infra.local.stack import local_stack, use_local_environment


def main(argv: list[str]) -> int:
    out = argv[0] if argv else "docs/screenshot.png"
    path = argv[1] if len(argv) > 1 else "/departments/department-for-education"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.stderr.write("screenshot needs chromium (make browser installs it)\n")
        return 2
    use_local_environment()
    from infra.local.replay import replay_server
    from infra.local.serve import serving

    with replay_server() as (overrides, earliest):
        environment = {"UPSTREAM_OVERRIDES": json.dumps(overrides), "UPSTREAM_REQUESTS_PER_SECOND": "0"}
        with local_stack({}, environment) as stack:
            since = {"since": earliest.isoformat()} if earliest else {}
            stack.invoke("FetcherFunction", {"detail-type": "Scheduled Event", "source": "aws.events", **since})
            stack.drain()
            with serving(stack) as url:
                # chromium is a separate process: the server thread answers it while we wait.
                subprocess.run(  # noqa: S603 (our own arguments)
                    [
                        chromium,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--hide-scrollbars",
                        f"--screenshot={out}",
                        "--window-size=1100,1400",
                        url + path,
                    ],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
