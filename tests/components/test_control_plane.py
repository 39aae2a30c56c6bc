"""The control plane the stack deploys (`controlPlane` setting), under Pulumi's mocks: per service its
objects, secrets that stay Pulumi secrets, the Ingress only with a host, the deployer's RBAC, the image tag
computed from the project; bad settings stop the program before any resource."""

from __future__ import annotations

import pytest

from tests.pulumi_mocks import MOCKS, install, is_secret, run_program, stack_config, unwrap

install()

import pulumi  # noqa: E402

from components import program  # noqa: E402
from launchpad.images.control_plane import IMAGE_NAME  # noqa: E402
from tests.fleet.fleet_files import BASE, write_fleet  # noqa: E402

SECRETS = {
    "tgToken": "test-secret-tg",
    "openaiKey": "test-secret-openai",
    "agentTokenKey": "test-secret-token-key-0123456789abcdef",
    "controlPlaneDatabaseUrl": "postgresql://launchpad:test-secret-db@db:5432/postgres",
}
PLANE = {
    "registry": "registry.launchpad.internal:5000/control",
    "host": "launchpad.example.com",
    "ingressClassName": "nginx",
    "tlsSecretName": "launchpad-tls",
    "api": {
        "secrets": {
            "LAUNCHPAD_DATABASE_URL": {"config": "controlPlaneDatabaseUrl"},
            "SUPABASE_JWT_SECRET": {"secretKeyRef": {"name": "supabase-auth", "key": "jwt-secret"}},
        },
        "env": {"SUPABASE_URL": "https://abc.supabase.co"},
    },
    "deployer": {
        "replicas": 2,
        "secrets": {"LAUNCHPAD_DATABASE_URL": {"config": "controlPlaneDatabaseUrl"}},
        "env": {"PULUMI_BACKEND_URL": "s3://launchpad-state"},
    },
    "collector": {
        "secrets": {
            "LAUNCHPAD_DATABASE_URL": {"config": "controlPlaneDatabaseUrl"},
            "LAUNCHPAD_COLLECTOR_TOKEN": {"secretKeyRef": {"name": "collector-token", "key": "token"}},
        },
        "prometheusUrl": "http://prometheus-operated.monitoring.svc:9090",
        "retentionDays": {"logs": 3},
    },
}


def _run(tmp_path, monkeypatch, plane: dict, secrets: dict | None = None) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, {"bot.yaml": BASE})
    settings = {"renderDir": str(tmp_path / "render"), "imageBuild": "skip", "scan": "false", "controlPlane": plane}
    with stack_config(settings, SECRETS if secrets is None else secrets):
        run_program(program.run)


def _named(kind: str, name: str):  # type: ignore[no-untyped-def]
    return MOCKS.named(kind, name)


def test_each_service_gets_its_objects(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _run(tmp_path, monkeypatch, PLANE)
    assert len(MOCKS.of_type("agent-launchpad:index:ControlPlaneService")) == 3
    namespace = _named("kubernetes:core/v1:Namespace", "launchpad-system-namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for service, replicas in (("api", 2), ("deployer", 2), ("collector", 1)):
        deployment = _named("kubernetes:apps/v1:Deployment", f"launchpad-{service}-deployment").inputs
        assert deployment["metadata"]["namespace"] == "launchpad-system"
        assert deployment["spec"]["replicas"] == replicas
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"].startswith(f"registry.launchpad.internal:5000/control/{IMAGE_NAME}:")
        assert container["args"][:2] == [service, "serve" if service == "api" else "run"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {p: container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")} == {
            "livenessProbe": "/healthz",
            "readinessProbe": "/readyz",
        }
        assert pod["automountServiceAccountToken"] is (service in ("deployer", "collector"))
        env = {e["name"]: e for e in container["env"]}
        assert env["LAUNCHPAD_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": f"launchpad-{service}-env",
            "key": "LAUNCHPAD_DATABASE_URL",
        }
        secret = _named("kubernetes:core/v1:Secret", f"launchpad-{service}-env").inputs
        assert is_secret(secret["stringData"]), "the Secret's data must travel as a Pulumi secret"
        assert unwrap(secret["stringData"]) == {"LAUNCHPAD_DATABASE_URL": SECRETS["controlPlaneDatabaseUrl"]}
        _named("kubernetes:core/v1:ServiceAccount", f"launchpad-{service}-sa")
        _named("kubernetes:core/v1:Service", f"launchpad-{service}-service")
        _named("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"launchpad-{service}-netpol")
        _named("kubernetes:policy/v1:PodDisruptionBudget", f"launchpad-{service}-pdb")
    api_env = {e["name"]: e for e in _named("kubernetes:apps/v1:Deployment", "launchpad-api-deployment")
               .inputs["spec"]["template"]["spec"]["containers"][0]["env"]}  # fmt: skip
    assert api_env["SUPABASE_JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "supabase-auth", "key": "jwt-secret"}
    assert api_env["SUPABASE_URL"] == {"name": "SUPABASE_URL", "value": "https://abc.supabase.co"}
    ingress = _named("kubernetes:networking.k8s.io/v1:Ingress", "launchpad-api-ingress").inputs["spec"]
    assert ingress["rules"][0]["host"] == "launchpad.example.com"
    assert ingress["tls"] == [{"hosts": ["launchpad.example.com"], "secretName": "launchpad-tls"}]
    binding = _named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "launchpad-deployer-rolebinding")
    assert binding.inputs["subjects"] == [
        {"kind": "ServiceAccount", "name": "launchpad-deployer", "namespace": "launchpad-system"}
    ]
    roles = {r.name: r.inputs["rules"] for r in MOCKS.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")}
    assert set(roles) == {"launchpad-deployer-role", "launchpad-collector-role"}
    # The collector only reads: the agents' Deployments and Pods (status) and Secrets (redaction).
    assert {verb for rule in roles["launchpad-collector-role"] for verb in rule["verbs"]} == {"get", "list", "watch"}
    assert {r for rule in roles["launchpad-collector-role"] for r in rule["resources"]} == {"deployments", "pods",
                                                                                              "secrets"}  # fmt: skip
    collector = _named("kubernetes:apps/v1:Deployment", "launchpad-collector-deployment").inputs
    env = {e["name"]: e for e in collector["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["LAUNCHPAD_PROMETHEUS_URL"]["value"] == "http://prometheus-operated.monitoring.svc:9090"
    assert env["LAUNCHPAD_RETENTION_DAYS"]["value"] == "metrics=14,logs=3,events=90"
    assert env["LAUNCHPAD_COLLECTOR_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "collector-token", "key": "token"}
    netpol = _named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "launchpad-collector-netpol").inputs["spec"]
    sources = [s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
               for rule in netpol["ingress"] for s in rule["from"]]  # fmt: skip
    assert sources == ["monitoring", "launchpad-logs"]  # Alertmanager's webhook, the node log shippers


def test_no_host_no_ingress_and_no_setting_no_control_plane(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _run(tmp_path, monkeypatch, {k: v for k, v in PLANE.items() if k not in ("host", "tlsSecretName")})
    assert MOCKS.of_type("kubernetes:networking.k8s.io/v1:Ingress") == []
    assert len(MOCKS.of_type("agent-launchpad:index:ControlPlaneService")) == 3
    monkeypatch.chdir(tmp_path)
    with stack_config({"renderDir": str(tmp_path / "render"), "imageBuild": "skip"}, SECRETS):
        run_program(program.run)
    assert MOCKS.of_type("agent-launchpad:index:ControlPlaneService") == []


def test_the_image_tag_follows_the_project(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def image() -> str:
        deployment = _named("kubernetes:apps/v1:Deployment", "launchpad-api-deployment").inputs
        return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])

    _run(tmp_path, monkeypatch, PLANE)
    first = image()
    _run(tmp_path, monkeypatch, PLANE)
    assert image() == first  # content-addressed: same project, same tag
    (tmp_path / "Pulumi.yaml").write_text("name: agent-launchpad\n")
    _run(tmp_path, monkeypatch, PLANE)
    assert image() != first  # the project is part of the image: the workers run the program CI runs


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"api": {"env": {"API_TOKEN": "x"}}},
            "agent-launchpad:controlPlane.api.env.API_TOKEN: looks like a credential: move it to "
            "controlPlane.api.secrets",
        ),
        (
            {"deployer": {"secrets": {"PULUMI_CONFIG_PASSPHRASE": {"config": "missingKey"}}}},
            "controlPlane.deployer.secrets.PULUMI_CONFIG_PASSPHRASE: names config key missingKey, which is not set",
        ),
        ({"host": "not a host"}, "agent-launchpad:controlPlane.host: String should match pattern"),
    ],
)
def test_bad_settings_stop_the_program(tmp_path, monkeypatch, change: dict, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(pulumi.RunError) as caught:
        _run(tmp_path, monkeypatch, {**PLANE, **change})
    assert expected in str(caught.value)
    assert "test-secret" not in str(caught.value)


def test_the_log_shipper_only_when_set(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _run(tmp_path, monkeypatch, PLANE)
    assert MOCKS.of_type("kubernetes:yaml/v2:ConfigGroup") == []
    image = "otel/opentelemetry-collector-contrib@sha256:" + "1" * 64
    _run(tmp_path, monkeypatch, PLANE | {"logShipper": {"image": image, "tokenSecret": {"name": "t", "key": "k"}}})
    (group,) = MOCKS.of_type("kubernetes:yaml/v2:ConfigGroup")
    kinds = [o["kind"] for o in group.inputs["objs"]]
    assert kinds == ["Namespace", "ServiceAccount", "ConfigMap", "DaemonSet", "NetworkPolicy"]
    daemonset = group.inputs["objs"][3]
    assert daemonset["spec"]["template"]["spec"]["containers"][0]["image"] == image
