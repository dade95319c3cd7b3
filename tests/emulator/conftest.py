"""An authenticated raw client on the session emulator, fresh for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator


@pytest.fixture
def api(emulator: ServedEmulator) -> Iterator[Api]:
    client = Api(emulator)
    yield client
    client.close()
