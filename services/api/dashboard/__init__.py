"""The web dashboard's files (built from services/dashboard), served on the API's own origin."""
