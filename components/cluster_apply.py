"""How the program's objects are applied to a cluster, set in one place for the whole stack: a stack
transform that adds pulumi-kubernetes' own annotations (pkg/metadata/annotations.go), so no component has
to know. Render mode (the dev stack) applies nothing and registers no transform.

- `pulumi.com/patchForce: "true"` on every Kubernetes object, in every stack: the program owns the fields it
  sets, and `pulumi up` puts back what someone changed out of band. The provider already means to: on an
  update it takes over the fields that kubectl edits own (pkg/await/await.go fixCSAFieldManagers, via
  fluxcd/pkg/ssa PatchReplaceFieldsManagers: managers named `kubectl*`, no subresource). But the preview
  skips that step, so after a `kubectl patch` the preview of a plain `pulumi up` failed with "Apply failed
  with 1 conflict: conflict with "kubectl-patch" ... .spec.ingress", and `kubectl scale` (the scale
  subresource) made even the update fail: "conflict with "kubectl" with subresource "scale" using apps/v1:
  .spec.replicas" (tests/e2e/test_kube_local_stack.py; also pulumi/pulumi-kubernetes#2569, #3312). For a
  single-identity chat bot a second replica is a second bot session: the agent file's count must win.
  Fields the program does not set stay with whoever sets them (an autoscaled Deployment has no
  `.spec.replicas`: its HPA keeps it). The cost: where two stacks declare the same object with different
  values, the last `up` wins instead of failing on the conflict (identical values never conflict).
- `pulumi.com/skipAwait: "true"` with the `skipAwait` stack setting, on the kinds whose readiness wait needs
  running Pods or an ingress controller (the provider's awaited kinds: pkg/await/awaiters.go). On a cluster
  without a kubelet (the `local` stack) a Deployment never gets a ready Pod, a Service never gets endpoints
  and an Ingress no address: the provider would wait 10 minutes on each and fail. Every other kind keeps its
  waits, deletion included (`destroy` still waits for a Namespace to be gone; skipAwait drops the delete wait
  of the workload kinds only, see
  pkg/metadata/overrides.go allowsSkipAwaitWithDelete). The policy pack refuses skipAwait in prod
  (policies/kubernetes/awaits.py).

The transform runs once per registered resource (an engine callback): a preview of a 150-agent fleet (1,511
resources) against the local cluster took 34.1-34.6 s with it and 32.9-33.9 s without."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi

from launchpad.settings import StackSettings

SKIP_AWAIT = "pulumi.com/skipAwait"
PATCH_FORCE = "pulumi.com/patchForce"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
WAITS_FOR_PODS = frozenset(
    {
        DEPLOYMENT,
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:batch/v1:Job",
        "kubernetes:core/v1:Pod",
        "kubernetes:core/v1:Service",
        # Waits for an address from an ingress controller, which a bare control plane does not run either:
        # the control plane's Ingress (components/control_plane.py) waited 10 minutes on the local stack.
        "kubernetes:networking.k8s.io/v1:Ingress",
    }
)

Transform = Callable[[pulumi.ResourceTransformArgs], pulumi.ResourceTransformResult | None]


def annotator(skip_await: bool) -> Transform:
    def annotate(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not (args.custom and args.type_.startswith("kubernetes:")):
            return None
        added = {PATCH_FORCE: "true"}
        if skip_await and args.type_ in WAITS_FOR_PODS:
            added[SKIP_AWAIT] = "true"
        # The engine hands transforms plain property values: every object here has a literal metadata map.
        metadata = args.props.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise TypeError(f"{args.name}: metadata is not a map; cannot add {sorted(added)}")
        annotations = {**(metadata.get("annotations") or {}), **added}
        props = {**args.props, "metadata": {**metadata, "annotations": annotations}}
        return pulumi.ResourceTransformResult(props, args.opts)

    return annotate


def register(settings: StackSettings) -> None:
    """Apply to every resource registered after this call (call it before the first one)."""
    if settings.renderDir:
        return
    pulumi.runtime.register_resource_transform(annotator(settings.skipAwait))
