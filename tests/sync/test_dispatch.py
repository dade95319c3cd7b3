"""Action dispatch is exhaustive: an action kind nobody handles is an error, never "ok"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest

from dirsync.sync.apply import Executor, Outcome
from dirsync.sync.audit import audit_entry
from dirsync.sync.render import describe
from dirsync.sync.state import State, record
from tests.sync.builders import org
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Unheard:
    """An action kind added to actions.py but forgotten by a dispatcher."""

    kind: ClassVar[str] = "unheard"
    email: str = "a@example.com"


ACTION = cast(Any, Unheard())


def test_the_executor_refuses_an_action_it_does_not_know() -> None:
    with pytest.raises(AssertionError):
        Executor(MemoryOrg(org()))._perform(ACTION)


def test_state_audit_and_table_refuse_an_action_they_do_not_know() -> None:
    with pytest.raises(AssertionError):
        record(State(), [(ACTION, None)], NOW)
    with pytest.raises(AssertionError):
        audit_entry(Outcome(ACTION, ok=True), NOW, "run")
    with pytest.raises(AssertionError):
        describe(ACTION)
