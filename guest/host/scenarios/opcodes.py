"""
Opcodes that read the block environment or arrived with a fork.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Each scenario stores what the opcodes return, so the post-state root
depends on them.
"""

from ...schema import ProtocolFork
from ..scenario import Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import (
    BASEFEE,
    BLOBBASEFEE,
    CHAINID,
    CLZ,
    COINBASE,
    GASLIMIT,
    LOG1,
    MCOPY,
    MLOAD,
    NUMBER,
    PREVRANDAO,
    PUSH0,
    SELFBALANCE,
    SSTORE,
    TIMESTAMP,
    TLOAD,
    TSTORE,
    memory_store,
    push,
    store_result,
)

PROBE = fixed_address(0x40)


def _probe(code: bytes) -> Scenario:
    return Scenario(
        pre={PROBE: Account(code=code, balance=12_345)},
        transactions=[Transaction(1, PROBE)],
    )


@scenario()
def block_environment(fork: ProtocolFork) -> Scenario:
    """Store COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT and more."""
    opcodes: tuple[bytes, ...] = (COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT)
    opcodes += (CHAINID, SELFBALANCE, BASEFEE)
    return _probe(
        b"".join(store_result(slot, opcode) for slot, opcode in enumerate(opcodes))
    )


@scenario()
def emit_log(fork: ProtocolFork) -> Scenario:
    """Emit a log with one topic and some data: it lands in the bloom."""
    code = memory_store(b"log data") + push(0xA0C) + push(8) + push(0) + LOG1
    return _probe(code)


@scenario(since=ProtocolFork.Shanghai)
def push0(fork: ProtocolFork) -> Scenario:
    """Store a value at slot zero using PUSH0 [EIP-3855]."""
    return _probe(push(0x33) + PUSH0 + SSTORE)


@scenario(since=ProtocolFork.Cancun)
def transient_storage(fork: ProtocolFork) -> Scenario:
    """TSTORE then TLOAD a value and persist it [EIP-1153]."""
    code = push(77) + push(1) + TSTORE + store_result(0, push(1) + TLOAD)
    return _probe(code)


@scenario(since=ProtocolFork.Cancun)
def memory_copy(fork: ProtocolFork) -> Scenario:
    """Copy memory with MCOPY and store the result [EIP-5656]."""
    code = (
        memory_store(bytes(range(32)))
        + push(32)
        + push(0)
        + push(40)
        + MCOPY
        + store_result(0, push(40) + MLOAD)
    )
    return _probe(code)


@scenario(since=ProtocolFork.Cancun)
def blob_base_fee_opcode(fork: ProtocolFork) -> Scenario:
    """Store BLOBBASEFEE [EIP-7516]."""
    return _probe(store_result(0, BLOBBASEFEE))


@scenario(since=ProtocolFork.Osaka)
def count_leading_zeros(fork: ProtocolFork) -> Scenario:
    """Store CLZ of a few values [EIP-7939]."""
    values = (0, 1, 2**255, 2**100 + 5)
    return _probe(
        b"".join(
            store_result(slot, push(value) + CLZ) for slot, value in enumerate(values)
        )
    )
