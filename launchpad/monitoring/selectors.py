"""How the fleet's rules find every agent by its labels, whatever the fleet's size.

elizaOS exports no metrics of its own: container series come from cAdvisor (`namespace`, `pod`, `container`
labels only) and object state from kube-state-metrics. Neither carries an agent's Kubernetes labels, so, as
kube-prometheus does with `kube_pod_owner` for workloads, the rules first record one "info" series per agent
object from kube-state-metrics' `kube_<kind>_labels` (value 1, labels `agent` and `tenant` copied from the
object's `launchpad.dev/agent` and `launchpad.dev/tenant`), then join every source series to it
`on (namespace, <object>)`. No rule names an agent, so adding an agent changes no rule.

kube-state-metrics exports an object's labels only when allow-listed (`--metric-labels-allowlist`,
`metric_labels_allowlist()` below; the kube-prometheus-stack values in values.py set it). It names a label
`label_<key>` with every character outside [a-zA-Z0-9_] replaced by `_` (kube-state-metrics
internal/store/utils.go `SanitizeLabelName`, then snake case): `launchpad.dev/agent` ->
`label_launchpad_dev_agent`.

Packs (several agents in one server, launchpad/fleet/packing.py): a pack's pod and Deployment carry
`launchpad.dev/pack`, not an agent (a label has one value), and each of its agents keeps a Service labelled with
its agent, tenant and pack. So the pod and Deployment info series have a second part: every packed agent's
Service joined `on (namespace, pack)` to its pack's Deployment, and to one live pod of its pack (`topk by
(namespace, pack)`, Pending or Running: a pack runs one replica, but an evicted pod lingers in phase Failed and a
join needs one match). A pack's pod is then N info series, one per agent, each with its `pack`; the alerts join
their sources with the info series on the left (`join`), so one pod or Deployment may stand for several agents,
and a pack's trouble is reported for each agent in it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from launchpad import naming

_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_CAPITAL = re.compile(r"([a-z0-9])([A-Z])")


def sanitize(key: str) -> str:
    """A Kubernetes label key as a Prometheus label name, as both kube-state-metrics and Prometheus' service
    discovery make it: every character outside [a-zA-Z0-9_] becomes `_`."""
    return _INVALID.sub("_", key)


def ksm_label(key: str) -> str:
    """The label kube-state-metrics gives the Kubernetes label `key` in its `kube_<kind>_labels` series."""
    return "label_" + _CAPITAL.sub(r"\1_\2", sanitize(key)).lower()


AGENT = ksm_label(naming.AGENT_LABEL)
TENANT = ksm_label(naming.TENANT_LABEL)
PACK = ksm_label(naming.PACK_LABEL)
LIVE_PHASES = "Pending|Running"


def _copied(expr: str, *labels: tuple[str, str]) -> str:
    for target, source in labels:
        expr = f'label_replace({expr}, "{target}", "$1", "{source}", "(.*)")'
    return expr


def packed_members() -> str:
    """One series per packed agent: (namespace, agent, tenant, pack), from its Service."""
    services = f'kube_service_labels{{{AGENT}!="", {PACK}!=""}}'
    copied = _copied(services, ("agent", AGENT), ("tenant", TENANT), ("pack", PACK))
    return f"max by (namespace, agent, tenant, pack) ({copied})"


@dataclass(frozen=True)
class AgentObjects:
    """One kind of agent object as kube-state-metrics sees it, and the info series recorded from it."""

    kind: str  # the Kubernetes kind, as in manifests
    resource: str  # its plural, as in `--metric-labels-allowlist`
    object_label: str  # the label naming the object in kube-state-metrics' series
    record: str  # the recording rule's name
    packs: bool = False  # a pack has one of these (a pod, a Deployment) for all its agents

    @property
    def source(self) -> str:
        return f"kube_{self.object_label}_labels"

    @property
    def selector(self) -> str:
        """Every agent object of this kind: those labelled with an agent."""
        return f'{self.source}{{{AGENT}!=""}}'

    @property
    def pack_selector(self) -> str:
        """Every pack object of this kind: those labelled with a pack."""
        return f'{self.source}{{{PACK}!=""}}'

    def join(self, expr: str) -> str:
        """`expr` (a vector with `namespace` and the object label) as one series per agent of the object, with
        the agent's `agent` and `tenant` (and `pack`): the info series on the left, since a pack's object stands
        for several agents, and `expr` reduced to one value per object (the max) so each object matches once."""
        obj = self.object_label
        return f"{self.record} * on (namespace, {obj}) group_left () max by (namespace, {obj}) ({expr})"

    def _pack_objects(self) -> str:
        """One series per pack: (namespace, <object>, pack); a pod only while Pending or Running."""
        obj = self.object_label
        found = f"max by (namespace, {obj}, pack) ({_copied(self.pack_selector, ('pack', PACK))})"
        if self.object_label != "pod":
            return found
        live = f'max by (namespace, pod) (kube_pod_status_phase{{phase=~"{LIVE_PHASES}"}}) == 1'
        return f"topk by (namespace, pack) (1, {found} and on (namespace, pod) ({live}))"

    def info_expr(self) -> str:
        copied = _copied(self.selector, ("agent", AGENT), ("tenant", TENANT))
        # `max by` keeps one series per object when several kube-state-metrics replicas (or shards) report it.
        own = f"max by (namespace, {self.object_label}, agent, tenant) ({copied})"
        if not self.packs:
            return own
        obj = self.object_label
        packed = f"{packed_members()} * on (namespace, pack) group_left ({obj}) {self._pack_objects()}"
        return f"{own} or max by (namespace, {obj}, agent, tenant, pack) ({packed})"


PODS = AgentObjects("Pod", "pods", "pod", "launchpad:agent_pod:info", packs=True)
DEPLOYMENTS = AgentObjects("Deployment", "deployments", "deployment", "launchpad:agent_deployment:info", packs=True)
SERVICES = AgentObjects("Service", "services", "service", "launchpad:agent_service:info")
HPAS = AgentObjects(
    "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", "launchpad:agent_hpa:info"
)
KINDS = (PODS, DEPLOYMENTS, SERVICES, HPAS)

# The agent's main container in cAdvisor and kube-state-metrics series (a sidecar is not the agent).
CONTAINER = f'container="{naming.CONTAINER_NAME}"'


ALLOWED_LABELS = (naming.AGENT_LABEL, naming.TENANT_LABEL, naming.PACK_LABEL)


def metric_labels_allowlist() -> list[str]:
    """kube-state-metrics `--metric-labels-allowlist` entries the rules need, one per kind (the pack label too:
    pods and Deployments of packs, and the Services of packed agents, carry it)."""
    keys = ",".join(ALLOWED_LABELS)
    return [f"{kind.resource}=[{keys}]" for kind in KINDS]


def ksm_series_labels(kind: AgentObjects, namespace: str, name: str, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels of the `kube_<kind>_labels` series kube-state-metrics exports for an object carrying
    `labels`, given the allowlist above (only those keys are exported)."""
    allowed = ALLOWED_LABELS
    exported = {ksm_label(k): v for k, v in labels.items() if k in allowed}
    return {"namespace": namespace, kind.object_label: name, **exported}


# --- reading selectors back out of PromQL (the policy pack checks what the rules really select) ---

# A vector selector `metric{matchers}`; label values are double-quoted strings with backslash escapes.
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*)\}")
_MATCHER = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"((?:[^\"\\]|\\.)*)\"\s*(?:,|$)")

_ESCAPE = re.compile(r"\\(.)")  # PromQL string escapes; `\\.` in a regex value is the regex `\.`
Matcher = tuple[str, str, str]  # (label, operator, value)


def selectors(expr: str) -> Iterator[tuple[str, list[Matcher]]]:
    """(metric, matchers) of every `metric{...}` vector selector in `expr`."""
    for found in _SELECTOR.finditer(expr):
        body = found.group(2)
        matchers = [(m[1], m[2], _ESCAPE.sub(r"\1", m[3])) for m in _MATCHER.finditer(body)]
        yield found.group(1), matchers


def matches(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether a series with `labels` is selected (a missing label is the empty string, as in PromQL;
    regexes are fully anchored, as in PromQL)."""
    for name, op, value in matchers:
        actual = labels.get(name, "")
        if op == "=" and actual != value:
            return False
        if op == "!=" and actual == value:
            return False
        if op == "=~" and not re.fullmatch(value, actual):
            return False
        if op == "!~" and re.fullmatch(value, actual):
            return False
    return True
