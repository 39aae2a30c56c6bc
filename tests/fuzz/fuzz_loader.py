"""Property-based fuzzing of the fleet loader and the character reader (issue 18), run for a time budget:

    python -m tests.fuzz.fuzz_loader --seconds 60      # prints one JSON line of figures

Inputs are the project's real agent files and characters, mutated (hypothesis picks where, and what to
insert: YAML and JSON syntax, anchors and aliases, deep nesting, tags, odd Unicode, huge numbers, paths), and
documents hypothesis builds from scratch (nested values of every YAML/JSON kind, dumped with anchors). Each input
goes through `load_fleet` as files in a directory, the way `validate`, `preview` and an API request meet it.

The properties: the loader returns a Fleet or raises FleetError, never anything else (a traceback); every
problem names a file and a line >= 1; no single input takes longer than PER_INPUT_SECONDS. The process runs
under an address-space limit (tests/fuzz/test_fuzz.py), so a blow-up is a MemoryError, a failure too."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from launchpad.errors import FleetError
from launchpad.fleet import load_fleet

ROOT = Path(__file__).resolve().parents[2]
PER_INPUT_SECONDS = 5.0
AGENT_FILES = sorted((ROOT / "agents").glob("*.yaml")) + sorted((ROOT / "docs/examples/characters").glob("*.yaml"))
CHARACTERS = sorted((ROOT / "agents/characters").glob("*.json")) + sorted(
    (ROOT / "tests/runtime/characters").glob("*.json")
) + sorted((ROOT / "docs/examples/characters").glob("*.json"))
DEFAULTS = (ROOT / "agents" / "defaults.yaml").read_text()

YAML_BITS = [
    "&a ", "*a", "&b [*a, *a, *a, *a]", "<<: *a", "[", "]", "{", "}", ", ", ": ", "- ", "? ", "|\n", ">-\n", "!!str ",
    "!!python/object:os.system ", "!!binary aGk=", "!!set {a}", "---\n", "...\n", "%YAML 1.1\n", "#", "\t", "\n",
    "  ", "'", '"', "\\", "\x00", "\ufeff", "\u2028", "\U0001F600", "é", "1e999999", "0x" + "f" * 40, "9" * 5000,
    "2024-13-45", "~", "null", "yes", "NaN", ".inf", "../../etc/passwd", "/etc/hostname", "characterFile: ",
    "tier: critical", "name: \"a\\n\"", "tenant: a-b", "database: {host: 169.254.169.254}",
]  # fmt: skip
JSON_BITS = ["{", "}", "[", "]", ",", ":", '"', "\\u0000", "\\ud800", "NaN", "Infinity", "-0", "1e999", "9" * 5000,
             "null", "true", '"knowledge": ["x"]', '"settings": {"secrets": {"K": "sk-' + "a" * 30 + '"}}',
             '"lore": ["a"]', "\n", "\t", "\ufeff"]  # fmt: skip


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, delete, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + delete % 8 :]
    return text


def mutations(bits: list[str]) -> st.SearchStrategy[list[tuple[int, int, str]]]:
    insert = st.one_of(st.sampled_from(bits), st.text(max_size=12), st.sampled_from(bits).map(lambda b: b * 50))
    return st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7), insert), min_size=1, max_size=6)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["name", "bot", "openai", "telegram", "polling", "512Mi", "ghcr.io/a/b:1"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=40,
)
agent_keys = st.sampled_from(
    ["name", "owner", "tenant", "character", "characterFile", "platforms", "model", "resources", "scaling",
     "env", "secrets", "image", "labels", "tier", "database", "tokenRotation", "plugins", "description"]
)  # fmt: skip
documents = st.dictionaries(agent_keys, values, max_size=10)


class Figures:
    def __init__(self) -> None:
        self.inputs = 0
        self.slowest = 0.0
        self.slowest_input = ""
        self.failures: list[str] = []

    def run(self, folder: Path, files: dict[str, str | bytes], described: str) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, content in files.items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        start = time.perf_counter()
        try:
            load_fleet([folder], require_locks=False)
        except FleetError as exc:
            bad = [p for p in exc.problems if not p.file or p.line < 1]
            if bad:
                self.failures.append(f"problem without file or line: {bad[0]!r} for {described}")
        except Exception as exc:  # the property under test: nothing but FleetError
            self.failures.append(f"{type(exc).__name__}: {exc} for {described}")
        took = time.perf_counter() - start
        self.inputs += 1
        if took > self.slowest:
            self.slowest, self.slowest_input = took, described
        if took > PER_INPUT_SECONDS:
            self.failures.append(f"{took:.1f} s for {described}")


def _short(text: str) -> str:
    return json.dumps(text[:160]) + (f" (+{len(text) - 160} chars)" if len(text) > 160 else "")


def fuzz(seconds: float, work: Path) -> dict[str, Any]:
    figures = Figures()
    folder = work / "agents"
    fixed = settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    @fixed
    @given(st.sampled_from(AGENT_FILES), mutations(YAML_BITS))
    def mutated_agent(path: Path, edits: list[tuple[int, int, str]]) -> None:
        text = _mutate(path.read_text(), edits)
        figures.run(folder, {"a.yaml": text, "defaults.yaml": DEFAULTS}, f"{path.name} mutated: {_short(text)}")

    @fixed
    @given(st.sampled_from(CHARACTERS), mutations(JSON_BITS), st.booleans())
    def mutated_character(path: Path, edits: list[tuple[int, int, str]], as_bytes: bool) -> None:
        text = _mutate(path.read_text(), edits)
        agent = (ROOT / "agents" / "omni-agent.yaml").read_text().replace("characters/omni.json", "c.json")
        character: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
        figures.run(folder, {"a.yaml": agent, "c.json": character}, f"{path.name} mutated: {_short(text)}")

    @fixed
    @given(documents, st.booleans())
    def built_document(document: dict[str, Any], anchors: bool) -> None:
        text = yaml.safe_dump(document, sort_keys=False)
        if anchors:  # share the first collection under an anchor, alias it where the others were
            text = text.replace(": [", ": &x [", 1).replace(": {", ": *x\n#", 1) if ": [" in text else text
        figures.run(folder, {"a.yaml": text}, f"built: {_short(text)}")

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for run in (mutated_agent, mutated_character, built_document):
            run()
            if figures.failures or time.monotonic() >= deadline:
                break
        if figures.failures:
            break
    return {
        "inputs": figures.inputs,
        "seconds": seconds,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "slowest_seconds": round(figures.slowest, 3),
        "slowest_input": figures.slowest_input,
        "failures": figures.failures[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="launchpad-fuzz-"))
    try:
        result = fuzz(args.seconds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
