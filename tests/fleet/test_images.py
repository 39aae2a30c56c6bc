"""Shared runtime images: one per (runtime, base, plugin set, lockfile), a pinned and non-root Dockerfile."""

import json

from launchpad.images.build import INSTALL_COMMAND, RUNTIME_UID, ImageBuild

BASE = "node:26.10.0-trixie-slim"


def _build(*plugins: str, runtime: str = "1.7.2", lockfile: str = "") -> ImageBuild:
    return ImageBuild("registry.example.com/agents", runtime, BASE, "1.3.14", tuple(sorted(plugins)), lockfile)


def test_tag_depends_on_the_set_not_on_who_uses_it() -> None:
    a = _build("@elizaos/plugin-discord@1.3.8", "@elizaos/plugin-sql@1.7.2")
    b = _build("@elizaos/plugin-sql@1.7.2", "@elizaos/plugin-discord@1.3.8")
    assert a.tag == b.tag and len(a.tag) == 16
    assert a.tag != _build("@elizaos/plugin-sql@1.7.2").tag
    assert a.tag != _build("@elizaos/plugin-discord@1.3.8", "@elizaos/plugin-sql@1.7.2", runtime="1.7.1").tag
    assert a.ref == f"registry.example.com/agents/eliza-runtime:{a.tag}"


def test_a_new_lockfile_is_a_new_image_of_the_same_set() -> None:
    a, b = _build("@elizaos/plugin-sql@1.7.2", lockfile="one"), _build("@elizaos/plugin-sql@1.7.2", lockfile="two")
    assert a.set_hash == b.set_hash and a.tag != b.tag


def test_dockerfile_is_pinned_non_root_and_production_only() -> None:
    text = _build("@elizaos/plugin-sql@1.7.2").dockerfile()
    froms = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert froms == [f"FROM {BASE} AS build", f"FROM {BASE}"]
    assert "npm install --global --no-fund --no-audit bun@1.3.14 node-gyp@12.4.0" in text
    assert f"RUN {INSTALL_COMMAND}" in text
    assert "apt-get install --yes --no-install-recommends python3 make g++" in text  # build stage only
    assert text.count("apt-get") == 2  # update + install, both in the build stage
    assert f"USER {RUNTIME_UID}:{RUNTIME_UID}" in text
    assert "EXPOSE 3000" in text
    assert 'ENTRYPOINT ["elizaos"]' in text


def test_package_json_pins_every_dependency_exactly_and_the_bun_that_runs() -> None:
    package = json.loads(_build("@elizaos/plugin-discord@1.3.8").package_json())
    assert package["dependencies"] == {
        "@elizaos/cli": "1.7.2",
        "@elizaos/core": "1.7.2",
        "@elizaos/plugin-discord": "1.3.8",
        "@elizaos/server": "1.7.2",
        "bun": "1.3.14",
    }
    assert package["scripts"] == {"build": "exit 0"}


def test_build_context_holds_the_lockfile() -> None:
    files = _build("@elizaos/plugin-sql@1.7.2", lockfile="LOCK").context_files()
    assert sorted(files) == ["Dockerfile", "bun.lock", "package.json"] and files["bun.lock"] == "LOCK"
