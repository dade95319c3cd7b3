"""The Bitwarden Public API client (see client.py) and its models."""
