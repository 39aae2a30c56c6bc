"""The API in the control plane's image, which holds no agent file (launchpad/images/control_plane.py): it reads
the git fleet's files as the fleet's last `up` recorded them (services/api/agents/fleet_files.py). Before any
record it validates nothing (503, said plainly); once recorded, git's names are taken (409 naming the file as git
names it) and an API agent is validated with the recorded defaults.yaml and lockfiles."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchpad.db.repository import fleet_sources
from launchpad.fleet import load_fleet
from launchpad.stacks import sources
from tests.api.conftest import KINDS, USER_A, Api, _serve, unique, valid_body

pytestmark = pytest.mark.postgres


@pytest.fixture(params=KINDS)
def image_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API with a project that has no agents directory, as in the image."""
    image = tmp_path / "app"
    image.mkdir()
    yield from _serve(request, image, register_git=False)


def _record(api: Api, agents: Path) -> None:
    """What the dev stack's `up` records (components/sources.py), from the fleet in `agents`."""
    fleet = load_fleet([agents])
    parts = {"shared": sources.shared_files(agents), "agents": sources.agent_files(fleet.agents, agents)}
    with api.owner() as conn:
        for part, files in parts.items():
            manifest = sources.manifest(files, agents)
            fleet_sources.record(conn, "dev", "dev", part, manifest,  # type: ignore[arg-type]
                                 lambda p: (agents / p).read_bytes())


def test_the_api_reads_the_recorded_fleet(image_api: Api, project: Path, tmp_path: Path) -> None:
    api, headers = image_api, image_api.as_user(USER_A)
    early = api.client.post("/api/agents", json=valid_body(unique()), headers=headers)
    assert early.status_code == 503 and early.json()["error"]["code"] == "FLEET_NOT_RECORDED", early.text
    _record(api, project / "agents")
    taken = api.client.post("/api/agents", json=valid_body("crypto-trading-bot"), headers=headers)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "NAME_TAKEN_BY_GIT", taken.text
    assert "agents/crypto-trading-bot.yaml" in taken.json()["error"]["message"]
    api.create(USER_A, unique())  # its plugin set's lockfile and the defaults: the recorded ones
    # A later `up` records a new git agent: the API takes its name from the new record.
    changed = tmp_path / "agents"
    shutil.copytree(project / "agents", changed)
    crypto = (changed / "crypto-trading-bot.yaml").read_text()
    (changed / "newcomer.yaml").write_text(crypto.replace("name: crypto-trading-bot", "name: newcomer-bot"))
    assert "name: newcomer-bot" in (changed / "newcomer.yaml").read_text()
    (changed / "crypto-trading-bot.yaml").unlink()  # the same bot identity may serve one agent only
    _record(api, changed)
    api.client.app.state.agents.git.agents.every = 0  # type: ignore[attr-defined]  # look again now
    taken = api.client.post("/api/agents", json=valid_body("newcomer-bot"), headers=headers)
    assert taken.status_code == 409 and "agents/newcomer.yaml" in taken.json()["error"]["message"], taken.text
