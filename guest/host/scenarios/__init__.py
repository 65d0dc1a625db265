"""
The scenario catalogue: small blocks that each exercise one thing.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Each module of this package is a group of scenarios; each scenario is one
small function that takes the fork and returns a ``Scenario``, registered
with ``@scenario(since=...)``. Its one-line docstring is the scenario's
description in the vectors. ``catalogue()`` lists every scenario, and
``catalogue_cases(forks)`` pairs each with every fork it applies to.
"""

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from ...schema import ProtocolFork
from ..scenario import Scenario, build_scenario

GROUPS = (
    "transactions",
    "storage",
    "creation",
    "absent",
    "opcodes",
    "limits",
    "blockhash",
    "precompiles",
    "withdrawals",
    "blobs",
    "delegation",
    "requests",
    "amsterdam",
)

ScenarioFunction = Callable[[ProtocolFork], Scenario]


@dataclass(frozen=True)
class ScenarioEntry:
    """Name one scenario of the catalogue and the forks it applies to."""

    group: str
    name: str
    description: str
    since: ProtocolFork
    build: ScenarioFunction

    def test_name(self, fork: ProtocolFork) -> str:
        """Name the scenario on `fork` as an EEST test id would."""
        return (
            f"scenarios/{self.group}.py::{self.name}[fork_{fork.name}-blockchain_test]"
        )


_REGISTERED: list[ScenarioEntry] = []


def scenario(
    since: ProtocolFork = ProtocolFork.Paris,
) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a scenario function that applies from `since` on."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        docstring = (function.__doc__ or "").strip()
        if not docstring:
            raise ValueError(f"scenario {function.__name__} needs a docstring")
        _REGISTERED.append(
            ScenarioEntry(
                group=function.__module__.rsplit(".", 1)[-1],
                name=function.__name__,
                description=docstring.splitlines()[0],
                since=since,
                build=function,
            )
        )
        return function

    return register


def catalogue() -> tuple[ScenarioEntry, ...]:
    """Return every scenario, group by group, in definition order."""
    for group in GROUPS:
        importlib.import_module(f"{__name__}.{group}")
    order = {group: index for index, group in enumerate(GROUPS)}
    return tuple(sorted(_REGISTERED, key=lambda entry: order[entry.group]))


@cache
def buildable_forks() -> tuple[ProtocolFork, ...]:
    """Return the forks whose VM can build an empty block on a genesis."""
    forks = []
    for fork in ProtocolFork:
        try:
            build_scenario(Scenario(), fork)
        except Exception:  # a fork whose VM is missing or not finished yet
            continue
        forks.append(fork)
    return tuple(forks)


def catalogue_cases(
    forks: Iterable[ProtocolFork] | None = None,
) -> Iterator[tuple[ScenarioEntry, ProtocolFork]]:
    """Pair every scenario with every fork in `forks` it applies to."""
    from .amsterdam import applies_on

    chosen = buildable_forks() if forks is None else tuple(forks)
    for entry in catalogue():
        for fork in chosen:
            if fork >= entry.since and applies_on(f"{entry.group}/{entry.name}", fork):
                yield entry, fork


def fixed_address(tag: int) -> bytes:
    """Return a recognisable address for a scenario's contract."""
    return bytes(16) + b"\xc0\xde" + tag.to_bytes(2, "big")
