"""
BLOCKHASH at the edges of its window, and the history system contracts.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

BLOCKHASH sees the 256 most recent ancestors: depth 256 needs the oldest
of them in the witness headers, depth 257 returns zero without any header.
The beacon-roots [EIP-4788] and block-history [EIP-2935] contracts answer
from storage instead.
"""

from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS
from eth.vm.forks.prague.constants import HISTORY_STORAGE_ADDRESS

from ...schema import ProtocolFork
from ..scenario import Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import (
    BLOCKHASH,
    MSTORE,
    NUMBER,
    SUB,
    TIMESTAMP,
    call,
    push,
    return_data_hash,
    store_result,
)

PROBE = fixed_address(0x60)
BLOCKHASH_WINDOW = 256


def _blockhash_at_depth(depth: int) -> bytes:
    return push(depth) + NUMBER + SUB + BLOCKHASH


def _read_depths(depths: tuple[int, ...], ancestors: int) -> Scenario:
    code = b"".join(
        store_result(slot, _blockhash_at_depth(depth))
        for slot, depth in enumerate(depths)
    )
    return Scenario(
        pre={PROBE: Account(code=code)},
        transactions=[Transaction(1, PROBE)],
        ancestors=ancestors,
    )


@scenario()
def blockhash_depth_1(fork: ProtocolFork) -> Scenario:
    """Read BLOCKHASH of the parent and of the current block (zero)."""
    return _read_depths((1, 0), ancestors=0)


@scenario()
def blockhash_several_depths(fork: ProtocolFork) -> Scenario:
    """Read BLOCKHASH at depths 1, 3 and 8 of a short chain."""
    return _read_depths((1, 3, 8), ancestors=8)


@scenario()
def blockhash_depth_256(fork: ProtocolFork) -> Scenario:
    """Read BLOCKHASH of the oldest ancestor still in the window."""
    return _read_depths((BLOCKHASH_WINDOW,), ancestors=BLOCKHASH_WINDOW + 1)


@scenario()
def blockhash_depth_257(fork: ProtocolFork) -> Scenario:
    """Read BLOCKHASH just outside the window: zero, no header needed."""
    return _read_depths((BLOCKHASH_WINDOW + 1,), ancestors=BLOCKHASH_WINDOW + 1)


@scenario(since=ProtocolFork.Cancun)
def beacon_root_contract_read(fork: ProtocolFork) -> Scenario:
    """Ask the beacon-roots contract for this block's root [EIP-4788]."""
    code = (
        TIMESTAMP
        + push(0)
        + MSTORE
        + store_result(0, call(BEACON_ROOTS_ADDRESS, args_size=32))
        + store_result(1, return_data_hash())
    )
    return Scenario(
        pre={PROBE: Account(code=code)}, transactions=[Transaction(1, PROBE)]
    )


@scenario(since=ProtocolFork.Prague)
def history_contract_read(fork: ProtocolFork) -> Scenario:
    """Ask the block-history contract for the parent's hash [EIP-2935]."""
    code = (
        push(1)
        + NUMBER
        + SUB
        + push(0)
        + MSTORE
        + store_result(0, call(HISTORY_STORAGE_ADDRESS, args_size=32))
        + store_result(1, return_data_hash())
    )
    return Scenario(
        pre={PROBE: Account(code=code)},
        transactions=[Transaction(1, PROBE)],
        ancestors=2,
    )
