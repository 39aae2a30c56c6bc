"""Shared runtime images: one per (runtime, base, plugin set), a pinned and non-root Dockerfile."""

from launchpad.images import RUNTIME_UID, ImageBuild


def _build(*plugins: str, runtime: str = "1.7.2") -> ImageBuild:
    return ImageBuild("registry.example.com/agents", runtime, "node:23.3.0-slim", "1.2.5", tuple(sorted(plugins)))


def test_tag_depends_on_the_set_not_on_who_uses_it() -> None:
    a = _build("@elizaos/plugin-discord@1.3.8", "@elizaos/plugin-sql@1.7.2")
    b = _build("@elizaos/plugin-sql@1.7.2", "@elizaos/plugin-discord@1.3.8")
    assert a.tag == b.tag and len(a.tag) == 16
    assert a.tag != _build("@elizaos/plugin-sql@1.7.2").tag
    assert a.tag != _build("@elizaos/plugin-discord@1.3.8", "@elizaos/plugin-sql@1.7.2", runtime="1.7.1").tag
    assert a.ref == f"registry.example.com/agents/eliza-runtime:{a.tag}"


def test_dockerfile_is_pinned_non_root_and_production_only() -> None:
    text = _build("@elizaos/plugin-sql@1.7.2").dockerfile()
    froms = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert froms == ["FROM node:23.3.0-slim AS build", "FROM node:23.3.0-slim"]
    assert "bun@1.2.5" in text
    assert "bun install --production" in text
    assert f"USER {RUNTIME_UID}:{RUNTIME_UID}" in text
    assert "EXPOSE 3000" in text
    assert 'ENTRYPOINT ["elizaos"]' in text


def test_package_json_pins_every_dependency_exactly() -> None:
    import json

    package = json.loads(_build("@elizaos/plugin-discord@1.3.8").package_json())
    assert package["dependencies"] == {
        "@elizaos/cli": "1.7.2",
        "@elizaos/core": "1.7.2",
        "@elizaos/plugin-discord": "1.3.8",
        "@elizaos/server": "1.7.2",
    }
