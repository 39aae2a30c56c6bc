"""The build-once cache every heavy runtime install goes through (launchpad/runtime/cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.runtime.cache import build_once, runtime_cache


def test_the_cache_is_under_launchpad_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUNCHPAD_CACHE", str(tmp_path))
    assert runtime_cache() == tmp_path / "runtime"
    monkeypatch.delenv("LAUNCHPAD_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert runtime_cache() == tmp_path / "home" / ".cache" / "agent-launchpad" / "runtime"


def test_built_once_then_reused(tmp_path: Path) -> None:
    calls: list[Path] = []

    def build(work: Path) -> None:
        calls.append(work)
        (work / "done").write_text("x")

    final = tmp_path / "thing"
    complete = lambda root: (root / "done").is_file()  # noqa: E731
    assert build_once(final, complete, build) == final == build_once(final, complete, build)
    assert len(calls) == 1 and calls[0] != final  # built in a temporary directory, then renamed
    assert (final / "done").read_text() == "x"


def test_a_failed_build_leaves_nothing_and_the_next_call_builds_again(tmp_path: Path) -> None:
    def broken(work: Path) -> None:
        (work / "half").write_text("x")
        raise RuntimeError("install failed")

    final = tmp_path / "thing"
    with pytest.raises(RuntimeError, match="install failed"):
        build_once(final, lambda root: (root / "done").is_file(), broken)
    assert not final.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["thing.lock"]  # no temporary directory left behind
    build_once(final, lambda root: (root / "done").is_file(), lambda work: (work / "done").write_text("y"))
    assert (final / "done").read_text() == "y"


def test_an_incomplete_leftover_is_replaced(tmp_path: Path) -> None:
    final = tmp_path / "thing"
    final.mkdir()
    (final / "stale").write_text("x")
    build_once(final, lambda root: (root / "done").is_file(), lambda work: (work / "done").write_text("y"))
    assert sorted(p.name for p in final.iterdir()) == ["done"]
