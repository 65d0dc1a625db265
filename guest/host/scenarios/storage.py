"""
Storage writes and deletes, including deletes that collapse trie branches.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A deleted key whose branch is left with one child makes the trie rebuild
that branch from the remaining child, which the block never reads: the
witness must carry it all the same. These scenarios make that happen in
storage tries and, in ``creation``, in the account trie.
"""

from ...schema import ProtocolFork
from ..scenario import Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import CALLDATALOAD, MSTORE, RETURN, SLOAD, SSTORE, push

STORE = fixed_address(0x10)
CALLDATA_STORE_CODE = push(32) + CALLDATALOAD + push(0) + CALLDATALOAD + SSTORE
"""Store word 1 of the call data at the slot named by word 0."""


def _write(slot: int, value: int) -> bytes:
    return slot.to_bytes(32, "big") + value.to_bytes(32, "big")


def _writes(storage: dict[int, int], writes: list[tuple[int, int]]) -> Scenario:
    return Scenario(
        pre={STORE: Account(code=CALLDATA_STORE_CODE, storage=storage)},
        transactions=[
            Transaction(1, STORE, data=_write(slot, value)) for slot, value in writes
        ],
    )


@scenario()
def storage_write_new_slot(fork: ProtocolFork) -> Scenario:
    """Write a slot that does not exist yet next to existing ones."""
    return _writes({1: 1, 2: 2}, [(3, 3)])


@scenario()
def storage_update_slot(fork: ProtocolFork) -> Scenario:
    """Overwrite an existing slot with a new non-zero value."""
    return _writes({1: 1, 2: 2}, [(2, 0xBEEF)])


@scenario()
def storage_write_into_empty_storage(fork: ProtocolFork) -> Scenario:
    """Write the first slot of a contract that has no storage yet."""
    return _writes({}, [(7, 7)])


@scenario()
def storage_delete_collapses_branch(fork: ProtocolFork) -> Scenario:
    """Delete one of two slots: the storage root collapses to a leaf."""
    return _writes({1: 0x1111, 2: 0x2222}, [(1, 0)])


@scenario()
def storage_delete_all_slots(fork: ProtocolFork) -> Scenario:
    """Delete every slot: the storage trie becomes empty."""
    return _writes({1: 1, 2: 2}, [(1, 0), (2, 0)])


@scenario()
def storage_delete_in_deep_trie(fork: ProtocolFork) -> Scenario:
    """Delete a few slots of a 300-slot trie, collapsing inner branches."""
    storage = {slot: slot + 1 for slot in range(300)}
    return _writes(storage, [(slot, 0) for slot in (5, 6, 150, 299)])


@scenario()
def storage_delete_then_rewrite(fork: ProtocolFork) -> Scenario:
    """Delete a slot and write it again in the next transaction."""
    return _writes({1: 1, 2: 2}, [(1, 0), (1, 9)])


@scenario()
def storage_write_and_delete_same_block(fork: ProtocolFork) -> Scenario:
    """Insert new slots and delete old ones in one block."""
    return _writes({1: 1, 2: 2, 3: 3}, [(4, 4), (1, 0), (5, 5), (3, 0)])


@scenario()
def storage_read_only(fork: ProtocolFork) -> Scenario:
    """Read an existing slot without changing anything."""
    reader = fixed_address(0x11)
    code = push(1) + SLOAD + push(0) + MSTORE + push(32) + push(0) + RETURN
    return Scenario(
        pre={reader: Account(code=code, storage={1: 42, 2: 43})},
        transactions=[Transaction(1, reader)],
    )


@scenario()
def storage_many_contracts(fork: ProtocolFork) -> Scenario:
    """Write storage in ten contracts in one block."""
    contracts = {
        fixed_address(0x100 + index): Account(
            code=CALLDATA_STORE_CODE, storage={index: index}
        )
        for index in range(1, 11)
    }
    return Scenario(
        pre=contracts,
        transactions=[
            Transaction(1, address, data=_write(0, 1)) for address in contracts
        ],
    )
