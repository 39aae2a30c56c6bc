"""The self-service control plane as the cluster runs it: its services (api, deployer, ...) and their manifests."""
