"""The control-plane API: agents for users signed in with Supabase Auth (docs/api/README.md).

Shaped like Netflix/dispatch: per domain (`agents/`, `operations/`, `health/`) a `models.py` (request and
response schemas), a `service.py` (the logic, over launchpad.db.repository) and thin `views.py`; who may do
what is a FastAPI dependency (`auth/dependencies.py`, `agents/permissions.py`). It imports the core only."""
