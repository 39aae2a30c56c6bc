"""How an error raised in a Pulumi dynamic provider reaches the user.

The engine runs dynamic providers in a host process of their own (`python -m pulumi.dynamic`, one per run),
which reports any exception a provider raises with `traceback.format_exc()`: the user sees a Python
traceback through launchpad's own frames, where a failed migration, a failed scan gate or a missing tool is
theirs to fix, not a bug to debug. `format_exc` honours `sys.tracebacklimit`, so inside that process only,
an error of the kinds the caller names is reported as its type and message alone. Any other exception keeps
its traceback (a bug should be debuggable), and callers outside that process (tests, the CLI) are untouched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "pulumi.dynamic.__main__"  # __main__'s module name in the engine's provider host


def in_provider_host() -> bool:
    main = sys.modules.get("__main__")
    return getattr(getattr(main, "__spec__", None), "name", None) == HOST


@contextmanager
def no_traceback(*kinds: type[BaseException]) -> Iterator[None]:
    """Let an exception of `kinds` raised inside reach the user as its type and message only."""
    try:
        yield
    except kinds:
        if in_provider_host():
            sys.tracebacklimit = 0
        raise
