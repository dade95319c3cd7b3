"""One sync run, start to end, without printing: source -> desired -> org -> plan -> apply.

The organization is read while the source is (reads only), so a source error or an empty
source stops the run before any write. The CLI wraps this in the state lock and turns
errors into exit codes.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import Collection, OrgSnapshot
from dirsync.config import Settings
from dirsync.gcpause import collector_paused
from dirsync.model import DirectorySnapshot
from dirsync.progress import NoProgress, Progress
from dirsync.sync.actions import (
    Adopt,
    CreateGroup,
    Invite,
    Revoke,
    TakeOverGroup,
    TakeOverMember,
)
from dirsync.sync.apply import Executor, Outcome
from dirsync.sync.costs import CostModel
from dirsync.sync.errors import StoppedError
from dirsync.sync.mapping import build_desired
from dirsync.sync.plan import Plan, make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import record
from dirsync.sync.state_file import load_state, save_state
from dirsync.sync.stop import StopRequest

log = logging.getLogger(__name__)
SourceReader = Callable[[Settings, date], DirectorySnapshot]
_RECORDED_EARLY = (Revoke, Invite, Adopt, CreateGroup, TakeOverMember, TakeOverGroup)


@dataclass
class Run:
    settings: Settings
    client: BitwardenClient
    now: datetime
    durations: dict[str, float] = field(default_factory=dict)
    source: str | None = None
    progress: Progress = field(default_factory=NoProgress)
    stop: StopRequest | None = None
    """Set by a signal: planning ends before the writes, applying starts no new call."""

    def _timed(self, name: str, started: float) -> None:
        self.durations[name] = time.perf_counter() - started

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise StoppedError("stopped before any write")

    def plan(
        self,
        read_source: SourceReader,
        allow_removals: int | None = None,
        allow_takeovers: int | None = None,
        allow_seat_growth: int | None = None,
    ) -> Plan:
        """Read the state file, then the source and, meanwhile, the organization; plan.

        No writes: a source error, an empty source or a stop ends the run here. The
        organization's reads overlap the source's, since across the internet each of its
        round trips costs far more than the directory's.
        """
        kind = self.settings.source.type
        self.progress.update(f"reading the {kind} source and the organization")
        state = load_state(self.settings.sync.state_dir)
        with ThreadPoolExecutor(1, thread_name_prefix="dirsync-org") as pool:
            reading = pool.submit(self._read_org, state.group_ids)
            snapshot = self._read_source(read_source)
            collections, org = reading.result()
        self.progress.close()
        self._check_stop()

        started = time.perf_counter()
        with collector_paused():
            desired = build_desired(snapshot, self.settings.sync, collections)
            policy = PlanPolicy.from_sync(
                self.settings.sync,
                allow_removals,
                allow_takeovers,
                allow_seat_growth,
                self._costs(),
            )
            plan = make_plan(desired, org, state, self.now, policy)
        self._timed("plan", started)
        log.info(
            "planned %d actions (%d withheld): %s (%.1f s)",
            len(plan.actions),
            len(plan.withheld()),
            ", ".join(f"{kind} {n}" for kind, n in sorted(plan.counts().items())) or "none",
            self.durations["plan"],
        )
        return plan

    def _costs(self) -> CostModel:
        """The cost model at the round trip the organization's reads measured."""
        measured = self.client.round_trip
        return CostModel(
            round_trip=measured if measured is not None else CostModel().round_trip,
            width=self.client.max_concurrency,
            import_item_seconds=self.settings.bitwarden.import_item_seconds,
        )

    def _read_source(self, read_source: SourceReader) -> DirectorySnapshot:
        started = time.perf_counter()
        snapshot = read_source(self.settings, self.now)
        self.source = snapshot.source
        self._timed("source", started)
        log.info(
            "read the %s source: %d users, %d groups, %d warnings (%.1f s)",
            snapshot.source,
            len(snapshot.users),
            len(snapshot.groups),
            len(snapshot.warnings),
            self.durations["source"],
        )
        return snapshot

    def _read_org(self, known_groups: Iterable[str]) -> tuple[list[Collection], OrgSnapshot]:
        """Collections (when mapped), members, groups, memberships and the seats."""
        started = time.perf_counter()
        org, collections = self.client.read_org(
            lambda done, total: self.progress.update("reading group memberships", done, total),
            collections=bool(self.settings.sync.collections),
            known_groups=known_groups,
        )
        self._timed("read_org", started)
        log.info(
            "read the organization: %d members, %d groups, %d collections (%.1f s)",
            len(org.members),
            len(org.groups),
            len(collections),
            self.durations["read_org"],
        )
        return collections, org

    def apply(
        self, plan: Plan, on_outcome: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        """Apply the plan's runnable actions and save what they changed to the state file.

        Before any write, the state file already records the revocations (and new managed
        ids) about to happen: a run killed mid-apply must not turn dirsync's revocations
        into "revoked by a person". The next plan drops whatever did not take effect.
        """
        started = time.perf_counter()
        # Only what adds to the bookkeeping: a Restore recorded early would, after a crash,
        # leave a member revoked with no trace that dirsync did it.
        adds = [(a, None) for a in plan.runnable() if isinstance(a, _RECORDED_EARLY)]
        if adds:
            save_state(self.settings.sync.state_dir, record(plan.state, adds, self.now))
        total = len(plan.runnable())
        applied = itertools.count(1)

        def report(outcome: Outcome) -> None:
            self.progress.update("applying", next(applied), total)
            if on_outcome is not None:
                on_outcome(outcome)

        executor = Executor(self.client, self.client.max_concurrency, report, stop=self.stop)
        outcomes = executor.apply(plan)
        self.progress.close()
        self._timed("apply", started)
        failed = sum(1 for o in outcomes if not o.ok)
        log.info(
            "applied %d actions: %d ok, %d failed (%.1f s)",
            len(outcomes),
            len(outcomes) - failed,
            failed,
            self.durations["apply"],
        )
        state = record(plan.state, [(o.action, o.created_id) for o in outcomes if o.ok], self.now)
        if all(o.ok for o in outcomes) and not plan.withheld():
            state = replace(state, last_success=self.now)
        save_state(self.settings.sync.state_dir, state)
        return outcomes
