"""EELS and the stateless guest agree on EEST state tests as one-block chains."""

import logging
from functools import cache

import pytest

from guest.schema import ProtocolFork
from tests.differential import StateCase, is_slow, iter_state_cases, run_case

logging.getLogger("eth").setLevel(logging.CRITICAL)

REPRESENTATIVE_PER_FORK = 10


@cache
def all_cases() -> tuple[StateCase, ...]:
    return tuple(iter_state_cases())


def representative(cases: tuple[StateCase, ...]) -> list[StateCase]:
    """Every distinct expected exception once, then the first case of each file."""
    chosen: list[StateCase] = []
    exceptions: set[tuple[ProtocolFork, str]] = set()
    files: dict[ProtocolFork, set[str]] = {}
    for case in cases:
        if is_slow(case):
            continue
        exception = case.post.get("expectException")
        if exception is not None and (case.fork, exception) not in exceptions:
            exceptions.add((case.fork, exception))
            chosen.append(case)
            continue
        seen = files.setdefault(case.fork, set())
        if len(seen) < REPRESENTATIVE_PER_FORK and case.path not in seen:
            seen.add(case.path)
            chosen.append(case)
    return chosen


def cases_or_skip() -> tuple[StateCase, ...]:
    cases = all_cases()
    if not cases:
        pytest.skip("the EEST state-test archives are absent (../shared/eest)")
    return cases


def test_representative_subset_covers_every_oracle_fork() -> None:
    forks = {case.fork for case in representative(cases_or_skip())}
    assert {
        ProtocolFork.Prague,
        ProtocolFork.Osaka,
        ProtocolFork.BPO1,
        ProtocolFork.BPO2,
    } <= forks


def test_representative_subset_agrees_with_eels() -> None:
    chosen = representative(cases_or_skip())
    outcomes = [run_case(case) for case in chosen]
    ran = [outcome for outcome in outcomes if outcome.skip_reason is None]
    assert len(ran) >= len(chosen) * 0.9
    refused = [outcome for outcome in ran if outcome.eels_error is not None]
    assert refused, "the subset must hold blocks EELS refuses"
    disagreements = [outcome.describe() for outcome in ran if not outcome.agreed]
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.slow
def test_every_state_test_agrees_with_eels() -> None:
    outcomes = [run_case(case) for case in cases_or_skip()]
    disagreements = [
        o.describe() for o in outcomes if o.skip_reason is None and not o.agreed
    ]
    assert not disagreements, f"{len(disagreements)}:\n" + "\n".join(disagreements[:30])
