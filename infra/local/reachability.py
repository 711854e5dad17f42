"""Whether the live upstream APIs can be reached at all, asked before `run` and `serve` deploy the local stack.

Deploying it (importing moto, decoding the template, creating every resource) takes seconds; a machine without network
should hear so at once (issue #16: offline `make run` fails within 5 seconds). This module imports neither moto nor
the local stack: the CLI asks it first.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Collection

DEMO_HINT = "run `make demo` to see the same pipeline offline, on recorded responses"
RESOLVE_WITHIN_SECONDS = 2.0
"""How long the names are given to resolve, all at once: a resolver that has not answered by then is slow, not
absent, and the poll itself finds out."""


def no_network_line(hosts: Collection[str]) -> str:
    """The one sentence `run` and `serve` print when no upstream host could be reached."""
    return f"deptwatch could not reach {', '.join(sorted(hosts))} (no network?): {DEMO_HINT}.\n"


def polled_hosts() -> set[str]:
    """The upstream hosts the local stack's fetcher polls: every source's, as `run` and `serve` deploy the template's
    default `Sources` (all)."""
    from shared.sources import SOURCE_NAMES, get_source

    return {get_source(name).api_host for name in SOURCE_NAMES}


def unresolved(hosts: Collection[str], within: float = RESOLVE_WITHIN_SECONDS) -> set[str]:
    """The hosts whose names certainly do not resolve (socket.gaierror, as the upstream client reads it), each looked
    up at once in its own thread. A lookup still unanswered after `within` seconds is not counted; its daemon thread
    is left behind, so a hung resolver holds up neither this nor the exit."""
    resolved: dict[str, bool] = {}

    def look_up(host: str) -> None:
        try:
            socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except socket.gaierror:
            resolved[host] = False
        except OSError:
            return  # another failure says nothing about the name
        else:
            resolved[host] = True

    lookups = [threading.Thread(target=look_up, args=(host,), daemon=True) for host in hosts]
    for lookup in lookups:
        lookup.start()
    deadline = time.monotonic() + within
    for lookup in lookups:
        lookup.join(max(0.0, deadline - time.monotonic()))
    return {host for host, answer in dict(resolved).items() if not answer}


def proxied(host: str) -> bool:
    """Whether the poll reaches `host` through a proxy (HTTPS_PROXY or ALL_PROXY, not bypassed by NO_PROXY, as httpx
    reads them): then the proxy resolves its name, and a lookup here says nothing."""
    proxies = urllib.request.getproxies()
    return bool(proxies.get("https") or proxies.get("all")) and not urllib.request.proxy_bypass(host)


def no_upstream_resolves() -> bool:
    """Whether no polled host's name resolves (no network): then says so in one line, with the offline way. A host
    served by a proxy counts as reachable, as far as this check knows."""
    hosts = polled_hosts()
    if any(proxied(host) for host in hosts):
        return False
    if not hosts or "" in hosts or unresolved(hosts) != hosts:  # a source without a declared host: cannot tell
        return False
    sys.stderr.write(no_network_line(hosts))
    return True
