"""Keep one frame, the line of this project that declared the resource, of the stack trace the Python SDK
records with each resource.

Since Pulumi 3.195 (pulumi/pulumi#20430) every resource in the state carries the call stack of its
registration. The Python SDK sends the whole interpreter stack: our 4-5 frames (the same chain for every
agent: program -> fleet -> ElizaAgent), then ~11 frames of the SDK's runtime, asyncio and the language
host, the same for every resource. Measured on a 100-agent stack (benchmarks/state_size.py): 11.1 KB per
agent, 14% of the checkpoint, which the file backend rewrites after every step; our own frames alone
still cost 2.5 KB per agent. The first of them is the resource's source position (the SDK derives
`sourcePosition` from it), so that one stays. The SDK has no switch for this, so the program wraps its
private `_get_stack_trace`; if a later SDK renames it, nothing is trimmed and
tests/components/test_lean_state.py fails, so the change is noticed rather than silently undone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

TRIMMED = "_launchpad_trimmed"


def trim_stack_traces(project_root: Path) -> bool:
    """Trim from now on; True when the SDK hook exists (and is wrapped, once)."""
    from pulumi.runtime import resource as runtime

    original: Callable[[], Any] | None = getattr(runtime, "_get_stack_trace", None)
    if original is None:
        return False
    if getattr(original, TRIMMED, False):
        return True
    # Both spellings of each path: the SDK reports files as Python imported them, symlinks unresolved.
    roots = tuple({p.as_uri() + "/" for p in (project_root.absolute(), project_root.resolve())})
    venvs = tuple({p.as_uri() + "/" for p in ((project_root / ".venv").absolute(), (project_root / ".venv").resolve())})

    def trimmed() -> Any:
        trace = original()
        keep = [f for f in trace.frames if f.pc.uri.startswith(roots) and not f.pc.uri.startswith(venvs)]
        del trace.frames[:]
        trace.frames.extend(keep[:1])
        return trace

    setattr(trimmed, TRIMMED, True)
    trimmed.__wrapped__ = original  # type: ignore[attr-defined]
    runtime._get_stack_trace = trimmed
    return True
