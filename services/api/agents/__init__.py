"""/api/agents: create, read, change and delete agents through the same loader and rules as agent files."""
