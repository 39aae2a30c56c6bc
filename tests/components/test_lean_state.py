"""The stack trace recorded with each resource keeps one frame: the project's line that declared it
(components/lean_state.py).
If a Pulumi SDK upgrade renames the hook, these tests fail instead of the state silently growing back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.lean_state import trim_stack_traces
from tests.pulumi_mocks import install, run_program

install()

ROOT = Path(__file__).resolve().parents[2]


class _Probe(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Probe", name, None, None)


def _traces(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The stack traces the SDK computes for the resources of one small program."""
    from pulumi.runtime import resource as runtime

    seen: list[Any] = []
    current = runtime._get_stack_trace

    def recording() -> Any:
        trace = current()
        seen.append([frame.pc.uri for frame in trace.frames])
        return trace

    monkeypatch.setattr(runtime, "_get_stack_trace", recording)
    run_program(lambda: _Probe("probe"))
    return seen


def test_the_sdk_hook_exists() -> None:
    from pulumi.runtime import resource as runtime

    assert callable(getattr(runtime, "_get_stack_trace", None)), "the Pulumi SDK renamed its stack-trace hook"


def _untrimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's own function, whether or not a program run earlier in this process wrapped it."""
    from pulumi.runtime import resource as runtime

    current = runtime._get_stack_trace
    monkeypatch.setattr(runtime, "_get_stack_trace", getattr(current, "__wrapped__", current))


def test_untrimmed_traces_carry_frames_outside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    _untrimmed(monkeypatch)
    (frames,) = _traces(monkeypatch)
    assert any(not uri.startswith(ROOT.as_uri()) for uri in frames)  # asyncio, the SDK: the control case


def test_trimmed_traces_keep_the_declaring_line_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _untrimmed(monkeypatch)
    assert trim_stack_traces(ROOT) is True
    assert trim_stack_traces(ROOT) is True  # idempotent: wrapped once
    (frames,) = _traces(monkeypatch)
    # The resource's source position: the line of this project that declared it (not the SDK, not pytest).
    assert len(frames) == 1 and frames[0].startswith((ROOT / "tests" / "components" / "test_lean_state.py").as_uri())
