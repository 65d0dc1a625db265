"""
Blocks and transactions at their gas limits.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A block whose gas used equals its gas limit, a transaction at the gas cap
[EIP-7825], and the calldata floor price [EIP-7623] deciding a
transaction's gas.
"""

from ...schema import ProtocolFork
from ..scenario import GENESIS_GAS_LIMIT, Account, Scenario, Transaction, address_of
from . import fixed_address, scenario
from .evm import INVALID

BURNER = fixed_address(0x50)
TRANSACTIONS_TO_FILL_BLOCK = 2
TRANSACTION_GAS_LIMIT_CAP = 2**24


@scenario()
def block_at_gas_limit(fork: ProtocolFork) -> Scenario:
    """Fill the block exactly to its gas limit with all-gas-burning calls."""
    gas = GENESIS_GAS_LIMIT // TRANSACTIONS_TO_FILL_BLOCK
    return Scenario(
        pre={BURNER: Account(code=INVALID)},
        transactions=[
            Transaction(sender, BURNER, gas=gas)
            for sender in range(1, TRANSACTIONS_TO_FILL_BLOCK + 1)
        ],
    )


@scenario()
def large_calldata_transfer(fork: ProtocolFork) -> Scenario:
    """Send a transfer with 4 KiB of non-zero call data."""
    data = b"\x01" * 4096
    return Scenario(
        transactions=[Transaction(1, address_of(2), data=data, gas=250_000)]
    )


@scenario(since=ProtocolFork.Prague)
def calldata_floor_decides_gas(fork: ProtocolFork) -> Scenario:
    """Charge a data-heavy transfer the calldata floor price [EIP-7623]."""
    data = b"\x01" * 1000
    return Scenario(transactions=[Transaction(1, address_of(2), data=data, gas=70_000)])


@scenario(since=ProtocolFork.Osaka)
def transaction_at_gas_cap(fork: ProtocolFork) -> Scenario:
    """Burn a transaction gas limit of exactly the cap [EIP-7825]."""
    return Scenario(
        pre={BURNER: Account(code=INVALID)},
        transactions=[Transaction(1, BURNER, gas=TRANSACTION_GAS_LIMIT_CAP)],
    )
