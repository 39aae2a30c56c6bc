"""/api/operations: what happened to a change (the deployer's `up` or preview), read as the user."""
