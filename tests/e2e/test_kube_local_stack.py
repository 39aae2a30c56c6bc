"""The `local` stack against a real control plane (etcd + kube-apiserver + kube-controller-manager built by
tools/kube/ensure.sh, `restricted` Pod Security enforced, the Prometheus Operator's own CRDs), under the real
Pulumi engine and provider, in order: up, Pods made by the controllers, strict schema checks, a no-op
preview, a scaling change, drift, a change the server refuses, an agent moving into a pack and out again,
removing an agent, destroy.

The fleet is the example fleet plus one web agent of this test's own (it may scale, and it has a namespace of
its own to remove) and a packed tenant (`packs`: two agents in one server, and a third of tier critical, which
keeps a server of its own until it moves in); expectations are derived from the state, `launchpad render` and
the loaded fleet, so the example fleet may change under these tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchpad.fleet import load_fleet
from launchpad.localcluster.cluster import LocalCluster
from launchpad.workloads.pack_objects import MEMBERS_ANNOTATION
from launchpad.workloads.render import render_fleet
from tests.e2e.kube_cluster import get_json, namespaced_kinds, objects_in, throwaway_cluster, wait_for
from tests.e2e.workspace import ROOT, Workspace, copy_project, engine_env
from tests.fleet.fleet_files import write_locks

STACK = "local"
POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")
AGENT = "kube-web"
NAMESPACE = f"agent-{AGENT}"  # no tenant: a namespace of its own
WEB_AGENT = f"""\
name: {AGENT}
owner: 5a8e0c1d-2b3f-4a6e-9c7d-8e1f2a3b4c5d
character: {{name: Webby, bio: Answers on the HTTP API.}}
platforms:
  web: {{}}
model: {{provider: openai}}
scaling: {{minReplicas: 2, maxReplicas: 4, targetCPU: 70}}
secrets:
  OPENAI_API_KEY: {{config: openaiApiKey}}
  POSTGRES_URL: {{secretKeyRef: {{name: web-postgres, key: url}}}}  # replicas share one database
database: {{host: web-postgres.{NAMESPACE}.svc}}  # where it points: the agent's egress
"""
# A cluster's own admission rule the agent-file checks cannot know: what a refused change does to the stack.
REFUSING_POLICY = f"""\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {{name: refuse-marked-configmaps}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - {{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}}
  validations:
    - expression: "!has(object.data) || object.data.all(k, !object.data[k].contains('refuse-me'))"
      message: this cluster refuses marked ConfigMaps
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {{name: refuse-marked-configmaps}}
spec:
  policyName: refuse-marked-configmaps
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {{kubernetes.io/metadata.name: {NAMESPACE}}}
"""
SKIP_AWAIT = "pulumi.com/skipAwait"
PATCH_FORCE = "pulumi.com/patchForce"
PACK_TENANT = "packs"
PACK_NAMESPACE = f"tenant-{PACK_TENANT}"
PACKED = ("pk-ann", "pk-bob")
MOVER = "pk-cid"  # tier critical: a server of its own, until it moves into the pack (and out again)
PACKING = f"packing:\n  tenants:\n    {PACK_TENANT}: {{maxAgents: 4}}\n"


def _pack_agent(name: str, tier: str = "standard") -> str:
    return f"""\
name: {name}
owner: 5a8e0c1d-2b3f-4a6e-9c7d-8e1f2a3b4c5d
tenant: {PACK_TENANT}
tier: {tier}
character: {{name: {name.title()}, bio: "Answers on Telegram as {name}."}}
platforms:
  telegram: {{mode: polling}}
model: {{provider: openai, name: gpt-4o-mini}}
secrets:
  TELEGRAM_BOT_TOKEN: {{config: {name.replace("-", "")}TelegramToken}}
  OPENAI_API_KEY: {{config: openaiApiKey}}
"""


@pytest.fixture(scope="module")
def cluster(engine: str) -> Iterator[LocalCluster]:
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def ws(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("kube")
    (base / "state").mkdir()
    ws = Workspace(copy_project(base / "project"), engine_env(base / "state"), "", stack=STACK)
    (ws.project / "agents" / f"{AGENT}.yaml").write_text(WEB_AGENT)
    for name in PACKED:
        (ws.project / "agents" / f"{name}.yaml").write_text(_pack_agent(name))
    (ws.project / "agents" / f"{MOVER}.yaml").write_text(_pack_agent(MOVER, "critical"))
    defaults = ws.project / "agents" / "defaults.yaml"
    # The mover runs at `critical` for a while: the platform grants it to the tenant (launchpad/fleet/tenants.py).
    grant = f"  overrides:\n    {PACK_TENANT}: {{allowedTiers: [critical, standard, low]}}\n"
    text = defaults.read_text()
    assert "\n  overrides:\n" in text
    defaults.write_text(text.replace("\n  overrides:\n", "\n" + grant, 1) + PACKING)
    write_locks(ws.project / "agents")  # their plugin sets (sql, bootstrap, openai[, telegram]) may be new
    ws.pulumi("stack", "init", STACK)
    ws.pulumi("config", "set", "kubernetes:kubeconfig", str(cluster.kubeconfig), "--stack", STACK)
    # Pulumi.local.yaml carries fake values for the secrets of the fleet it was written with; agents added
    # since then get theirs here, so the fleet may grow without this test changing.
    have = set(yaml.safe_load((ws.project / "Pulumi.local.yaml").read_text())["config"])
    for key in sorted({use.key for a in _fleet(ws).agents for use in a.config_secrets}):
        if f"agent-launchpad:{key}" not in have:
            ws.pulumi("config", "set", "--secret", key, f"local-fake-{key}", "--stack", STACK)
    return ws


def _fleet(ws: Workspace):  # type: ignore[no-untyped-def]
    return load_fleet([ws.project / "agents"])


def _up(ws: Workspace, check: bool = True):  # type: ignore[no-untyped-def]
    return ws.pulumi("up", "--stack", STACK, "--yes", "--skip-preview", *POLICY, check=check)


def _kube_resources(ws: Workspace) -> list[dict[str, Any]]:
    state = json.loads(ws.pulumi("stack", "export", "--stack", STACK).stdout)
    return [
        r
        for r in state["deployment"].get("resources", [])  # a destroyed stack has none
        if r["type"].startswith("kubernetes:") and not r["type"].startswith("pulumi:providers:")
    ]


def _ref(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: obj["metadata"][k] for k in ("name", "namespace") if k in obj["metadata"]}
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": meta}


def _key(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


def _on_server(cluster: LocalCluster, objects: list[dict[str, Any]], tmp: Path) -> dict[str, dict[str, Any]]:
    """The server's copy of each object (looked up by apiVersion, kind, namespace and name), by `_key`."""
    request = tmp / "objects.json"
    request.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [_ref(o) for o in objects]}))
    listed = get_json(cluster, "-f", str(request))
    items = listed["items"] if listed.get("kind") == "List" else [listed]
    return {_key(o): o for o in items}


def _rendered(ws: Workspace, out: Path) -> list[dict[str, Any]]:
    """What `python -m launchpad render` writes for the workspace's fleet: every agent object and namespace."""
    render_fleet(_fleet(ws), out)
    return [m for f in sorted(out.rglob("*.yaml")) for m in yaml.safe_load_all(f.read_text()) if m]


def _program_namespaces(ws: Workspace) -> set[str]:
    return {a.namespace for a in _fleet(ws).agents}


def _absent(cluster: LocalCluster, kind: str, name: str) -> bool:
    return cluster.kubectl("get", kind, name, "--ignore-not-found", "-o", "name").stdout.strip() == ""


def _namespace_name(obj: dict[str, Any]) -> str | None:
    return obj["metadata"]["name"] if obj["kind"] == "Namespace" else None


def _others(ws: Workspace, cluster: LocalCluster, tmp: Path) -> dict[str, str]:
    """Every object of the agents other than AGENT as the server holds it: the program's own (their namespaces
    included) and the ReplicaSets and Pods the controllers made from them. Each as uid@generation, which
    changes with the spec only (status updates do not count as touching), or uid@resourceVersion for kinds
    without a generation."""
    namespaces = _program_namespaces(ws) - {NAMESPACE}
    outputs = [r["outputs"] for r in _kube_resources(ws)]
    declared = [o for o in outputs if {o["metadata"].get("namespace"), _namespace_name(o)} & namespaces]
    found = list(_on_server(cluster, declared, tmp).values())
    for namespace in sorted(namespaces):
        found += get_json(cluster, "replicasets,pods", "-n", namespace)["items"]
    return {
        _key(o): f"{o['metadata']['uid']}@{o['metadata'].get('generation') or o['metadata']['resourceVersion']}"
        for o in found
    }


def test_the_cluster_enforces_restricted_pod_security(cluster: LocalCluster) -> None:
    version = json.loads(cluster.kubectl("get", "--raw", "/version").stdout)
    lines = (ROOT / "tools" / "kube" / "versions.sh").read_text().splitlines()
    pinned = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    assert version["gitVersion"] == pinned["KUBE_VERSION"]  # what tools/kube built, not v0.0.0-master
    # A namespace without labels still gets `restricted` (the cluster-wide default of the admission config):
    # a plain Pod (root allowed, no seccomp profile, capabilities kept) is refused.
    refused = cluster.kubectl(
        "run", "probe", "--image=registry.k8s.io/pause:3.10", "--dry-run=server", "-n", "default", check=False
    )
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in refused.stderr
    crds = {c["metadata"]["name"] for c in get_json(cluster, "crd")["items"]}
    assert {"prometheusrules.monitoring.coreos.com", "probes.monitoring.coreos.com",
            "servicemonitors.monitoring.coreos.com", "podmonitors.monitoring.coreos.com"} <= crds  # fmt: skip


def test_up_creates_every_object_and_the_server_holds_them(
    ws: Workspace, cluster: LocalCluster, tmp_path: Path
) -> None:
    steps = ws.preview_steps(*POLICY)
    assert {s["op"] for s in steps} == {"create"}
    _up(ws)
    resources = _kube_resources(ws)
    held = _on_server(cluster, [r["outputs"] for r in resources], tmp_path)
    assert sorted(held) == sorted(_key(r["outputs"]) for r in resources)
    for r in resources:
        server = held[_key(r["outputs"])]
        assert server["metadata"]["uid"] == r["outputs"]["metadata"]["uid"], r["urn"]
        assert server["metadata"].get("labels") == r["outputs"]["metadata"].get("labels"), r["urn"]
    # Everything `launchpad render` writes for this fleet is there, and nothing the fleet does not declare.
    rendered = {_key(m) for m in _rendered(ws, tmp_path / "render")}
    assert rendered <= set(held)
    for namespace in _program_namespaces(ws):
        labels = held[f"Namespace//{namespace}"]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted", namespace
    # Readiness waits are skipped exactly where they need a kubelet (the stack's skipAwait setting).
    annotated = {k: o["metadata"].get("annotations") or {} for k, o in held.items()}
    # (The Ingress is the control plane's API route, which waits for an ingress controller's address.)
    skipped = {k.split("/")[0] for k, a in annotated.items() if a.get(SKIP_AWAIT) == "true"}
    assert skipped == {"Deployment", "Service", "Ingress"}
    # Every object takes its fields back from out-of-band edits (test_drift_... below).
    assert all(a.get(PATCH_FORCE) == "true" for a in annotated.values())


def _workload(labels: dict[str, str]) -> str:
    """Whom a ReplicaSet or Pod runs: its agent, or `pack <name>` (several agents in one server)."""
    return labels.get("launchpad.dev/agent") or f"pack {labels['launchpad.dev/pack']}"


def test_the_controller_manager_creates_every_pod_and_pod_security_refuses_none(
    ws: Workspace, cluster: LocalCluster
) -> None:
    fleet = _fleet(ws)
    assert [p.names for p in fleet.packs] == [PACKED]  # the packed tenant: one server for two agents
    wanted = {a.name: a.spec.scaling.min_replicas for a in fleet.agents if fleet.pack_of(a.name) is None}
    wanted.update({f"pack {p.name}": 1 for p in fleet.packs})
    namespaces = sorted(_program_namespaces(ws))

    def replica_sets() -> list[dict[str, Any]] | None:
        """Every agent's and pack's ReplicaSet once each has made its Pods or reported why not."""
        found = [rs for n in namespaces for rs in get_json(cluster, "replicasets", "-n", n)["items"]]
        done = [rs for rs in found if rs["status"].get("replicas", 0) == rs["spec"]["replicas"] or _failure(rs)]
        agents = {_workload(rs["metadata"]["labels"]) for rs in done}
        return found if len(done) == len(found) and agents == set(wanted) else None

    refused = {rs["metadata"]["name"]: _failure(rs) for rs in wait_for("every agent's ReplicaSet", replica_sets)}
    assert {name: message for name, message in refused.items() if message} == {}
    for namespace in namespaces:
        events = get_json(cluster, "events", "-n", namespace, "--field-selector", "reason=FailedCreate")["items"]
        assert [e["message"] for e in events if "PodSecurity" in e["message"]] == []
    pods = [p for n in namespaces for p in get_json(cluster, "pods", "-n", n)["items"]]
    per_agent: dict[str, int] = {}
    for pod in pods:
        agent = _workload(pod["metadata"]["labels"])
        per_agent[agent] = per_agent.get(agent, 0) + 1
    assert per_agent == wanted
    assert {p["status"]["phase"] for p in pods} == {"Pending"}  # no scheduler, no kubelet: admitted, never run


def _failure(replica_set: dict[str, Any]) -> str:
    """The ReplicaFailure condition's message (e.g. a Pod refused by Pod Security), or ""."""
    conditions = replica_set["status"].get("conditions", [])
    return next((c["message"] for c in conditions if c["type"] == "ReplicaFailure"), "")


def test_every_object_passes_strict_server_side_validation(
    ws: Workspace, cluster: LocalCluster, tmp_path: Path
) -> None:
    """The provider applies with field validation `Warn` (an unknown field is dropped with a warning), so
    re-apply the program's own inputs as a server-side dry run with `--validate=strict`: an unknown or
    misspelt field in a PrometheusRule, Probe, AlertmanagerConfig (the Prometheus Operator's CRD schemas) or
    any built-in kind fails here. Secrets are left out: their inputs are encrypted in the state."""
    resources = [r for r in _kube_resources(ws) if r["outputs"]["kind"] != "Secret"]
    objects = [{k: v for k, v in r["inputs"].items() if not k.startswith("__")} for r in resources]
    kinds = {o["kind"] for o in objects}
    assert {"PrometheusRule", "Deployment", "ConfigMap"} <= kinds
    manifest = tmp_path / "inputs.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    result = cluster.kubectl(
        "apply", "--server-side", "--dry-run=server", "--validate=strict", "--force-conflicts",
        "--field-manager=strict-check", "-f", str(manifest),
    )  # fmt: skip
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == len(objects)
    # And nothing was pruned on the way in: the server holds each custom object's spec as the program sent it.
    held = _on_server(cluster, objects, tmp_path)
    for obj in objects:
        if "monitoring.coreos.com" in obj["apiVersion"]:
            assert held[_key(obj)]["spec"] == obj["spec"], _key(obj)


def test_a_second_preview_expects_no_changes(ws: Workspace) -> None:
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)


def test_a_replicas_change_updates_only_that_agents_autoscaler_in_place(
    ws: Workspace, cluster: LocalCluster, tmp_path: Path
) -> None:
    others = _others(ws, cluster, tmp_path)
    deployment_uid = get_json(cluster, "deployment", AGENT, "-n", NAMESPACE)["metadata"]["uid"]
    path = ws.project / "agents" / f"{AGENT}.yaml"
    path.write_text(WEB_AGENT.replace("minReplicas: 2, maxReplicas: 4", "minReplicas: 3, maxReplicas: 6"))
    steps = ws.preview_steps(*POLICY)
    assert {s["op"] for s in steps} == {"update"}
    changed = {s["urn"].split("::")[-1] for s in steps}
    assert f"{AGENT}-hpa" in changed
    # Nothing else: not the control plane's Deployments, their image holds code only (launchpad/images/control_plane.py)
    assert changed <= {f"{AGENT}-hpa", f"{AGENT}-deployment", f"{AGENT}-pdb"}
    _up(ws)
    hpa = get_json(cluster, "hpa", AGENT, "-n", NAMESPACE)["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    assert get_json(cluster, "deployment", AGENT, "-n", NAMESPACE)["metadata"]["uid"] == deployment_uid
    assert _others(ws, cluster, tmp_path) == others


def test_drift_is_reported_by_refresh_and_undone_by_up(ws: Workspace, cluster: LocalCluster) -> None:
    # Someone opens an agent's NetworkPolicy to all ingress, and scales a fixed-size agent, with kubectl.
    fixed = [a for a in _fleet(ws).agents if a.spec.scaling.max_replicas == a.spec.scaling.min_replicas]
    opened, scaled = fixed[0], fixed[-1]
    policy = get_json(cluster, "networkpolicy", opened.name, "-n", opened.namespace)["spec"]
    cluster.kubectl(
        "patch", "networkpolicy", opened.name, "-n", opened.namespace, "--type=json",
        "-p", json.dumps([{"op": "replace", "path": "/spec/ingress", "value": [{}]}]),
    )  # fmt: skip
    cluster.kubectl("scale", "deployment", scaled.name, "-n", scaled.namespace, "--replicas=3")
    report = json.loads(ws.pulumi("refresh", "--stack", STACK, "--preview-only", "--json").stdout)
    drifted = {s["urn"].split("::")[-1]: s["op"] for s in report["steps"] if s["op"] not in ("same", "refresh")}
    assert drifted == {f"{opened.name}-netpol": "update", f"{scaled.name}-deployment": "update"}
    ws.pulumi("refresh", "--stack", STACK, "--yes")
    steps = ws.preview_steps(*POLICY)
    assert {s["urn"].split("::")[-1]: s["op"] for s in steps} == drifted
    _up(ws)
    assert get_json(cluster, "networkpolicy", opened.name, "-n", opened.namespace)["spec"] == policy
    deployment = get_json(cluster, "deployment", scaled.name, "-n", scaled.namespace)
    assert deployment["spec"]["replicas"] == scaled.spec.scaling.min_replicas
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)


def test_a_change_the_server_refuses_fails_the_up_and_leaves_other_agents_alone(
    ws: Workspace, cluster: LocalCluster, tmp_path: Path
) -> None:
    """A character the cluster's own admission refuses (here a ValidatingAdmissionPolicy: the agent-file checks
    now keep a character well under the 1 MiB a ConfigMap may hold, which was this test's refused change). The
    ConfigMap is updated in place (Pulumi.local.yaml: enableConfigMapMutable), so the refused change leaves the
    old one; with the provider's default it is replaced, deleted first, and would be gone."""
    others = _others(ws, cluster, tmp_path)
    before = get_json(cluster, "configmap", f"{AGENT}-character", "-n", NAMESPACE)["data"]
    cluster.kubectl("apply", "-f", "-", stdin=REFUSING_POLICY)
    probe = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe}\ndata: {a: refuse-me}\n"
    wait_for("the admission policy to be in force", lambda: cluster.kubectl(
        "create", "--dry-run=server", "-n", NAMESPACE, "-f", "-", stdin=probe, check=False
    ).returncode != 0)  # fmt: skip
    path = ws.project / "agents" / f"{AGENT}.yaml"
    good = path.read_text()
    path.write_text(good.replace("bio: Answers on the HTTP API.", "bio: Answers on the HTTP API; refuse-me."))
    try:
        result = _up(ws, check=False)
    finally:
        path.write_text(good)
        cluster.kubectl("delete", "-f", "-", stdin=REFUSING_POLICY)
    assert result.returncode != 0
    assert "this cluster refuses marked ConfigMaps" in result.stdout + result.stderr
    assert get_json(cluster, "configmap", f"{AGENT}-character", "-n", NAMESPACE)["data"] == before
    assert _others(ws, cluster, tmp_path) == others
    _up(ws)  # the agent file as it was: the stack converges again
    ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)


def _runs(cluster: LocalCluster) -> dict[str, list[str]]:
    """Agent of the packed tenant -> the Deployments that run it: its own, or its pack's (by the agents the
    pack's Deployment names)."""
    found: dict[str, list[str]] = {}
    for d in get_json(cluster, "deployments", "-n", PACK_NAMESPACE)["items"]:
        meta = d["metadata"]
        own = (meta.get("labels") or {}).get("launchpad.dev/agent")
        agents = [own] if own else (meta.get("annotations") or {}).get(MEMBERS_ANNOTATION, "").split(",")
        for agent in filter(None, agents):
            found.setdefault(agent, []).append(meta["name"])
    return found


def _shards(ws: Workspace, command: str, *extra: str):  # type: ignore[no-untyped-def]
    return ws.launchpad("shards", command, "--stack", STACK, *extra)


def _uid(cluster: LocalCluster, kind: str, name: str) -> str:
    uid: str = get_json(cluster, kind, name, "-n", PACK_NAMESPACE)["metadata"]["uid"]
    return uid


def test_an_agent_moves_into_a_pack_and_out_again_never_running_in_two_servers(
    ws: Workspace, cluster: LocalCluster
) -> None:
    """`shards plan` says who changes server; `shards release` deletes the Deployment that runs the moving agent
    (its own, or its pack's) before `shards up` starts it in the other one. Observed between the two: the agent
    runs nowhere, never in two Deployments. Its Service and ConfigMap stay the same objects throughout."""
    path = ws.project / "agents" / f"{MOVER}.yaml"
    before = _runs(cluster)
    (pack,) = set(before[PACKED[0]])
    assert before == {PACKED[0]: [pack], PACKED[1]: [pack], MOVER: [MOVER]}
    service = _uid(cluster, "service", MOVER)
    for tier, was, now in (("standard", "own", f"pack {pack}"), ("critical", f"pack {pack}", "own")):
        path.write_text(_pack_agent(MOVER, tier))
        phases = json.loads(_shards(ws, "plan", "--json").stdout)
        assert phases["repack"] == {MOVER: [STACK, was, now]} and phases["release"] == [STACK]
        assert f"repack   {MOVER}: {was} -> {now} ({STACK})" in _shards(ws, "plan").stdout
        _shards(ws, "release")
        (released,) = wait_for(f"{MOVER} to run nowhere", lambda: None if MOVER in (r := _runs(cluster)) else [r])
        assert all(len(deployments) == 1 for deployments in released.values()), released
        if was != "own":  # it left the pack: the pack's Deployment went, its other agents restart with it
            assert released == {}
        _shards(ws, "up", "--policy-pack-config", POLICY[-1])
        after = _runs(cluster)
        assert after[MOVER] == ([pack] if now != "own" else [MOVER])
        assert after[PACKED[0]] == after[PACKED[1]] == [pack]
        assert all(len(deployments) == 1 for deployments in after.values()), after
        assert _uid(cluster, "service", MOVER) == service
        selector = get_json(cluster, "service", MOVER, "-n", PACK_NAMESPACE)["spec"]["selector"]
        assert selector["app.kubernetes.io/instance"] == (pack if now != "own" else MOVER)
        ws.pulumi("preview", "--stack", STACK, "--expect-no-changes", *POLICY)
    assert json.loads(_shards(ws, "plan", "--json").stdout)["release"] == []


def test_removing_an_agent_deletes_its_objects_and_its_namespace(
    ws: Workspace, cluster: LocalCluster, tmp_path: Path
) -> None:
    others = _others(ws, cluster, tmp_path)
    (ws.project / "agents" / f"{AGENT}.yaml").unlink()
    _up(ws)
    wait_for(f"namespace {NAMESPACE} to be gone", lambda: _absent(cluster, "namespace", NAMESPACE))
    labelled = get_json(cluster, ",".join(namespaced_kinds(cluster)), "-A", "-l", f"launchpad.dev/agent={AGENT}")
    assert labelled["items"] == []
    assert _others(ws, cluster, tmp_path) == others  # every other agent's object still there, unchanged


def test_destroy_leaves_nothing_behind(ws: Workspace, cluster: LocalCluster, tmp_path: Path) -> None:
    namespaces = _program_namespaces(ws)
    declared = [r["outputs"] for r in _kube_resources(ws)]  # cluster-scoped ones (PriorityClasses) included
    ws.pulumi("destroy", "--stack", STACK, "--yes", "--skip-preview")
    kinds = namespaced_kinds(cluster)

    wait_for("the fleet's namespaces to be gone", lambda: all(_absent(cluster, "namespace", n) for n in namespaces))
    assert objects_in(cluster, namespaces, kinds) == []
    # The monitoring namespace belongs to the cluster (as the operator's would); only its defaults remain.
    assert objects_in(cluster, ["monitoring"], kinds) == [
        "ConfigMap/monitoring/kube-root-ca.crt", "ServiceAccount/monitoring/default",
    ]  # fmt: skip
    ours = get_json(cluster, ",".join(kinds), "-A", "-l", "app.kubernetes.io/part-of=agent-launchpad")
    assert ours["items"] == []
    request = tmp_path / "declared.json"
    request.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [_ref(o) for o in declared]}))
    assert cluster.kubectl("get", "-f", str(request), "--ignore-not-found", "-o", "name").stdout == ""
    assert _kube_resources(ws) == []
