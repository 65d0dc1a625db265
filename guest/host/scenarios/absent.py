"""
Reads and calls that reach accounts and slots the pre-state lacks.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

An absent account or slot is proven by the trie path that ends without it;
the witness must carry that path even though nothing is found.
"""

from ...schema import ProtocolFork
from ..scenario import Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import (
    BALANCE,
    DELEGATECALL,
    EXTCODECOPY,
    EXTCODEHASH,
    EXTCODESIZE,
    MLOAD,
    MSTORE,
    RETURN,
    SLOAD,
    STATICCALL,
    call,
    push,
    store_result,
)

PROBE = fixed_address(0x30)
ABSENT = bytes.fromhex("ab5e" * 10)
OTHER = fixed_address(0x31)


def _probe(code: bytes) -> Scenario:
    return Scenario(
        pre={PROBE: Account(code=code, balance=100)},
        transactions=[Transaction(1, PROBE)],
    )


@scenario()
def call_absent_account(fork: ProtocolFork) -> Scenario:
    """CALL an absent account without value: it stays absent."""
    return _probe(store_result(0, call(ABSENT)))


@scenario()
def call_absent_account_with_value(fork: ProtocolFork) -> Scenario:
    """CALL an absent account with value: it comes into existence."""
    return _probe(store_result(0, call(ABSENT, value=7)))


@scenario()
def staticcall_and_delegatecall_absent_account(fork: ProtocolFork) -> Scenario:
    """STATICCALL and DELEGATECALL an absent account."""
    code = store_result(0, call(ABSENT, opcode=STATICCALL)) + store_result(
        1, call(ABSENT, opcode=DELEGATECALL)
    )
    return _probe(code)


@scenario()
def query_absent_account(fork: ProtocolFork) -> Scenario:
    """Read BALANCE, EXTCODESIZE and EXTCODEHASH of an absent account."""
    code = (
        store_result(0, push(ABSENT) + BALANCE)
        + store_result(1, push(ABSENT) + EXTCODESIZE)
        + store_result(2, push(ABSENT) + EXTCODEHASH)
    )
    return _probe(code)


@scenario()
def read_absent_slot(fork: ProtocolFork) -> Scenario:
    """SLOAD slots that do not exist in a non-empty storage trie."""
    code = store_result(1, push(5) + SLOAD) + store_result(2, push(2**255) + SLOAD)
    return Scenario(
        pre={PROBE: Account(code=code, storage={1: 1, 3: 3})},
        transactions=[Transaction(1, PROBE)],
    )


@scenario()
def read_slot_of_storageless_contract(fork: ProtocolFork) -> Scenario:
    """SLOAD from a contract with an empty storage trie."""
    reader = push(9) + SLOAD + push(0) + MSTORE + push(32) + push(0) + RETURN
    return Scenario(
        pre={OTHER: Account(code=reader)},
        transactions=[Transaction(1, OTHER)],
    )


@scenario()
def query_existing_contract_code(fork: ProtocolFork) -> Scenario:
    """Read EXTCODESIZE, EXTCODEHASH and EXTCODECOPY of another contract."""
    code = (
        store_result(0, push(OTHER) + EXTCODESIZE)
        + store_result(1, push(OTHER) + EXTCODEHASH)
        + push(32)
        + push(0)
        + push(0)
        + push(OTHER)
        + EXTCODECOPY
        + store_result(2, push(0) + MLOAD)
    )
    return Scenario(
        pre={
            PROBE: Account(code=code),
            OTHER: Account(code=bytes(range(1, 64))),
        },
        transactions=[Transaction(1, PROBE)],
    )
