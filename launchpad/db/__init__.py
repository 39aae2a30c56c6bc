"""Control-plane database: migration runner and agent registry over psycopg 3 (no Pulumi import)."""
