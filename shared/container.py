"""What a Lambda container builds once (settings, clients, the objects handlers call), and starting afresh.

A handler's factories are `@per_container`: cached like `functools.cache`, and registered, so that an emulator running
several "containers" in one process (the local stack, tests) clears them all with `reset_container_caches()` without
knowing any handler's private names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import _lru_cache_wrapper, cache
from typing import TypeVar

T = TypeVar("T")

_factories: list[_lru_cache_wrapper[object]] = []


def per_container(factory: Callable[[], T]) -> _lru_cache_wrapper[T]:
    """Build once per container: the first call builds, later ones reuse it."""
    cached = cache(factory)
    _factories.append(cached)  # type: ignore[arg-type]
    return cached


def reset_container_caches() -> None:
    """As if each function's next invocation were in a new container: every `@per_container` factory builds again."""
    for cached in _factories:
        cached.cache_clear()
