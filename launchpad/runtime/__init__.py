"""The elizaOS runtime as the image holds it, on this machine: the toolchain (Node, bun, node-gyp from npm),
the per-plugin-set install from the committed lockfile, the lockfiles themselves, elizaOS's own character
validator, and booting an agent the way its pod runs it. Plain Python, no Pulumi; everything heavy is cached
outside the clone under `${LAUNCHPAD_CACHE:-~/.cache/agent-launchpad}/runtime/`, keyed by content."""
