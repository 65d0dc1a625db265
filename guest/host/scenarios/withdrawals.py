"""
Withdrawals to new, existing and contract accounts [EIP-4895].

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Withdrawals credit balances after the transactions, without running code;
a zero amount to an absent account creates nothing.
"""

from ...schema import ProtocolFork
from ..scenario import (
    ETHER,
    GWEI,
    Account,
    Scenario,
    Transaction,
    Withdrawal,
    address_of,
)
from . import fixed_address, scenario
from .evm import INVALID

NEW = fixed_address(0x70)
EXISTING = fixed_address(0x71)
CONTRACT = fixed_address(0x72)
SHANGHAI = ProtocolFork.Shanghai


@scenario(since=SHANGHAI)
def withdrawal_to_new_account(fork: ProtocolFork) -> Scenario:
    """Withdraw to an account that does not exist yet."""
    return Scenario(withdrawals=[Withdrawal(NEW, 32 * GWEI)])


@scenario(since=SHANGHAI)
def withdrawal_to_existing_account(fork: ProtocolFork) -> Scenario:
    """Withdraw to an account that already holds a balance."""
    return Scenario(
        pre={EXISTING: Account(balance=ETHER)},
        withdrawals=[Withdrawal(EXISTING, 1)],
    )


@scenario(since=SHANGHAI)
def withdrawal_zero_amount_to_new_account(fork: ProtocolFork) -> Scenario:
    """Withdraw zero to an absent account: it stays absent."""
    return Scenario(withdrawals=[Withdrawal(NEW, 0)])


@scenario(since=SHANGHAI)
def withdrawal_zero_amount_to_existing_account(fork: ProtocolFork) -> Scenario:
    """Withdraw zero to an existing account."""
    return Scenario(
        pre={EXISTING: Account(balance=5)},
        withdrawals=[Withdrawal(EXISTING, 0)],
    )


@scenario(since=SHANGHAI)
def withdrawal_to_contract_runs_no_code(fork: ProtocolFork) -> Scenario:
    """Withdraw to a contract whose code would fail if it ran."""
    return Scenario(
        pre={CONTRACT: Account(code=INVALID)},
        withdrawals=[Withdrawal(CONTRACT, 10)],
    )


@scenario(since=SHANGHAI)
def many_withdrawals(fork: ProtocolFork) -> Scenario:
    """Include sixteen withdrawals, two of them to the same account."""
    addresses = [fixed_address(0x700 + index) for index in range(15)] + [
        fixed_address(0x700)
    ]
    return Scenario(
        withdrawals=[
            Withdrawal(address, index + 1, validator_index=1000 + index)
            for index, address in enumerate(addresses)
        ]
    )


@scenario(since=SHANGHAI)
def withdrawal_to_transaction_sender(fork: ProtocolFork) -> Scenario:
    """Withdraw to an account that also sends a transaction in the block."""
    return Scenario(
        transactions=[Transaction(1, NEW, value=1)],
        withdrawals=[Withdrawal(address_of(1), 3)],
    )
