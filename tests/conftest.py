"""Shared fixtures live in tests/fixtures/; each is registered here as a plugin."""

pytest_plugins: list[str] = [
    "tests.fixtures.emulator",
    "tests.fixtures.samba",
    "tests.fixtures.slapd",
]
