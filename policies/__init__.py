"""agent-launchpad's Pulumi policy pack: one module per resource kind under kubernetes/, stack-wide checks in
stack.py, mirrored tests under tests/."""
