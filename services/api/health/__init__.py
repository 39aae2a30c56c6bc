"""/api/health: is the API able to serve (its database, its token keys)."""
