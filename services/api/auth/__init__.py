"""Who is asking: Supabase access tokens verified (tokens.py), the principal they describe (principal.py) and
the FastAPI dependencies every endpoint declares (dependencies.py)."""
