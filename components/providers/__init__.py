"""Every dynamic provider of the program, one module each with the resource it backs: the registry rows
(registry.py), the schema's migrations (migrations.py), the scan gate (image_scan.py), and the retired ones
(retired.py). Each provider method makes one call into launchpad/providers/, plain Python testable without
Pulumi, wrapped so that a user's error reaches them as one message (launchpad/providers/host.py).

dill pickles a provider into the state by reference (module path and class name, ~70 bytes): a provider
holds nothing, and its class must stay importable where a state names it (retired.py)."""
