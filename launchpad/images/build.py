"""Agent images. Agents that share a runtime and a plugin set share one image, so ten agents with the same
plugins cost one build and one pull per node. The Dockerfile is generated here, pinned end to end (base by
tag, every npm package by the committed lockfile of its plugin set, bun by version) and runs as a non-root
user. The boot test installs the runtime with the same command (`launchpad/runtime/install.py`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property

from launchpad.naming import HTTP_PORT

IMAGE_NAME = "eliza-runtime"
APP_DIR = "/app"
RUNTIME_UID = 10001  # fixed non-root uid, so runAsNonRoot can be verified from the numeric USER
LOCKFILE = "bun.lock"
# Installs exactly the committed lockfile (refuses to change it), production dependencies only, copying files
# out of bun's cache instead of hard-linking them (the cache is not part of the image, and a hard link would
# share its 0666 modes). bun extracts package files 0666: `chmod -R go-w` leaves nothing writable by the
# runtime user even where the root filesystem is not read-only. The Dockerfile's RUN line and the boot test's
# install (launchpad/runtime/install.py) are this one string; tests/runtime/test_install_command.py checks it.
INSTALL_COMMAND = "bun install --frozen-lockfile --production --backend=copyfile && chmod -R go-w ."
# The build stage compiles native modules that have no prebuild for this glibc (@discordjs/opus): the toolchain
# upstream's template installs (python3 make g++). node-gyp reads the Node headers the base image ships in
# /usr/local/include/node instead of downloading them.
BUILD_PACKAGES = ("python3", "make", "g++")
# node-gyp for those native modules: @discordjs/opus (plugin-discord) has prebuilds for glibc 2.31/2.35/2.39 only
# and trixie has 2.41, so it compiles. Installed by npm next to bun (the node images ship no node-gyp on PATH).
NODE_GYP_VERSION = "12.4.0"
NODE_HEADERS_DIR = "/usr/local"
# The runtime stage's ENV: the locked node_modules/.bin first on the base image's PATH, so `elizaos` and the
# `bun` of its shebang are the locked ones. The boot test runs the agent with exactly this env
# (launchpad/runtime/boot.py), the official node images' PATH standing for `$PATH`.
IMAGE_ENV = {"NODE_ENV": "production", "PATH": f"{APP_DIR}/node_modules/.bin:$PATH"}
NODE_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class ImageBuild:
    """One image to build: the runtime, its base and the exact plugin set, with the set's lockfile."""

    registry: str
    runtime: str
    base_image: str
    bun_version: str
    plugins: tuple[str, ...]  # pinned npm specs, sorted: order must not change the hash
    lockfile: str = ""  # bun.lock of this set (agents/locks/<set_hash>.lock); "" until `launchpad lock` ran

    # Cached: a fleet's agents share one ImageBuild per plugin set (launchpad.images.lockfiles.LockReader), and
    # the tag hashes the ~130 KB lockfile; computing them per agent was most of `validate` at 1,000 agents.
    @cached_property
    def set_hash(self) -> str:
        """Names the plugin set and its lockfile: a hash of the package.json (runtime, plugins, bun)."""
        return hashlib.sha256(self.package_json().encode()).hexdigest()[:16]

    @cached_property
    def tag(self) -> str:
        """Content address of the image: everything that goes into the build context."""
        material = json.dumps([self.dockerfile(), self.package_json(), self.lockfile])
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    @property
    def ref(self) -> str:
        return f"{self.registry}/{IMAGE_NAME}:{self.tag}"

    @property
    def node_version(self) -> str | None:
        """The Node version of an official `node:<x.y.z>-...` base image, else None."""
        match = re.match(r"(?:docker\.io/)?(?:library/)?node:(\d+\.\d+\.\d+)(?:-|\Z)", self.base_image)
        return match[1] if match else None

    def dependencies(self) -> dict[str, str]:
        """package.json dependencies: the elizaOS server and CLI, the plugins and bun, exact versions only.
        `bun` is listed so that the `bun ^1.3.4` @elizaos/cli pulls in resolves to this very version: one
        bun in the lockfile, the one that runs."""
        deps = {"@elizaos/cli": self.runtime, "@elizaos/server": self.runtime, "@elizaos/core": self.runtime}
        for spec in self.plugins:
            name, _, version = spec.rpartition("@")
            deps[name] = version
        deps["bun"] = self.bun_version
        return dict(sorted(deps.items()))

    def package_json(self) -> str:
        package = {
            "name": "eliza-runtime",
            "private": True,
            # `elizaos start` builds the project in the working directory first and logs "Build failed"
            # at error level on every boot when it finds no way to (cli 1.7.2 buildProject): the image is
            # built already, so its build step is a no-op.
            "scripts": {"build": "exit 0"},
            "dependencies": self.dependencies(),
        }
        return json.dumps(package, indent=2) + "\n"

    def tool_packages(self) -> tuple[str, ...]:
        """What the build stage installs globally with npm to run the install: bun and node-gyp."""
        return (f"bun@{self.bun_version}", f"node-gyp@{NODE_GYP_VERSION}")

    def dockerfile(self) -> str:
        # Build stage: compilers, bun and node-gyp, the frozen install. Runtime stage: the base image plus /app
        # (package.json, bun.lock, node_modules with its own bun), root-owned, run as a numeric non-root user.
        # PATH puts /app/node_modules/.bin first: `elizaos` and the `bun` of its shebang are the locked ones.
        return f"""# Generated by agent-launchpad for plugin set {self.set_hash}. Edit agents/*.yaml, not this file.
FROM {self.base_image} AS build
RUN apt-get update \\
 && apt-get install --yes --no-install-recommends {" ".join(BUILD_PACKAGES)} \\
 && rm -rf /var/lib/apt/lists/*
RUN npm install --global --no-fund --no-audit {" ".join(self.tool_packages())}
ENV npm_config_nodedir={NODE_HEADERS_DIR}
WORKDIR {APP_DIR}
COPY package.json {LOCKFILE} ./
RUN {INSTALL_COMMAND}

FROM {self.base_image}
RUN groupadd --gid {RUNTIME_UID} eliza && useradd --uid {RUNTIME_UID} --gid {RUNTIME_UID} --no-create-home eliza
COPY --from=build --chown=root:root {APP_DIR} {APP_DIR}
WORKDIR {APP_DIR}
ENV {" ".join(f"{name}={value}" for name, value in IMAGE_ENV.items())}
USER {RUNTIME_UID}:{RUNTIME_UID}
EXPOSE {HTTP_PORT}
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \\
  CMD ["bun", "-e", "fetch('http://127.0.0.1:{HTTP_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["elizaos"]
CMD ["start"]
"""

    def context_files(self) -> dict[str, str]:
        """The build context: file name -> content."""
        return {"Dockerfile": self.dockerfile(), "package.json": self.package_json(), LOCKFILE: self.lockfile}
