"""The dashboard's dev-only sign-in (stacks without a Supabase Auth server: dev, local)."""
