"""
Transactions of every type: transfers, calls and contract creations.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

One scenario per transaction type and purpose, plus blocks that mix them.
"""

from ...schema import ProtocolFork
from ..scenario import (
    ETHER,
    Account,
    Scenario,
    Transaction,
    TransactionType,
    address_of,
    contract_address,
)
from . import fixed_address, scenario
from .evm import ADD, REVERT, SLOAD, deploy, push, sstore

COUNTER = fixed_address(1)
COUNTER_CODE = sstore(0, push(0) + SLOAD + push(1) + ADD)
"""Increment slot 0 on every call."""

STORING_INIT_CODE = sstore(0, 0x2A) + deploy(b"\x00")
"""Write slot 0 of the new contract, then deploy a one-byte ``STOP``."""

RECIPIENT = 100

SIMPLE_TYPES = (
    TransactionType.LEGACY,
    TransactionType.ACCESS_LIST,
    TransactionType.DYNAMIC_FEE,
)


def _transfer(kind: TransactionType) -> Scenario:
    recipient = address_of(RECIPIENT)
    return Scenario(
        pre={recipient: Account(balance=ETHER)},
        transactions=[Transaction(1, recipient, type=kind, value=ETHER // 3)],
    )


def _create(kind: TransactionType) -> Scenario:
    return Scenario(
        transactions=[Transaction(1, None, type=kind, data=STORING_INIT_CODE)]
    )


@scenario()
def legacy_transfer(fork: ProtocolFork) -> Scenario:
    """Transfer value to an existing account with a legacy transaction."""
    return _transfer(TransactionType.LEGACY)


@scenario()
def legacy_create(fork: ProtocolFork) -> Scenario:
    """Create a contract that writes storage with a legacy transaction."""
    return _create(TransactionType.LEGACY)


@scenario()
def legacy_transfer_without_chain_id(fork: ProtocolFork) -> Scenario:
    """Transfer value with a legacy transaction signed before [EIP-155]."""
    recipient = address_of(RECIPIENT)
    return Scenario(
        transactions=[
            Transaction(
                1,
                recipient,
                type=TransactionType.LEGACY,
                value=1,
                replay_protected=False,
            )
        ]
    )


@scenario()
def create_then_call_in_next_transaction(fork: ProtocolFork) -> Scenario:
    """Deploy a counter, then call it: its code is not in the witness."""
    counter = contract_address(address_of(1), 0)
    return Scenario(
        transactions=[
            Transaction(1, None, data=deploy(COUNTER_CODE)),
            Transaction(1, counter),
            Transaction(2, counter, type=TransactionType.LEGACY),
        ]
    )


@scenario()
def access_list_transfer(fork: ProtocolFork) -> Scenario:
    """Transfer value with an access-list transaction [EIP-2930]."""
    return _transfer(TransactionType.ACCESS_LIST)


@scenario()
def access_list_create(fork: ProtocolFork) -> Scenario:
    """Create a contract with an access-list transaction [EIP-2930]."""
    return _create(TransactionType.ACCESS_LIST)


@scenario()
def dynamic_fee_transfer(fork: ProtocolFork) -> Scenario:
    """Transfer value with a dynamic-fee transaction [EIP-1559]."""
    return _transfer(TransactionType.DYNAMIC_FEE)


@scenario()
def dynamic_fee_create(fork: ProtocolFork) -> Scenario:
    """Create a contract with a dynamic-fee transaction [EIP-1559]."""
    return _create(TransactionType.DYNAMIC_FEE)


@scenario()
def transfer_to_new_account(fork: ProtocolFork) -> Scenario:
    """Transfer value to an account that does not exist yet."""
    return Scenario(transactions=[Transaction(1, address_of(RECIPIENT), value=1)])


@scenario()
def call_contract_every_type(fork: ProtocolFork) -> Scenario:
    """Call a counter contract once with each pre-blob transaction type."""
    return Scenario(
        pre={COUNTER: Account(code=COUNTER_CODE, storage={0: 7})},
        transactions=[Transaction(1, COUNTER, type=kind) for kind in SIMPLE_TYPES],
    )


@scenario()
def access_list_with_storage_keys(fork: ProtocolFork) -> Scenario:
    """Call a contract whose slot is pre-warmed by the access list."""
    return Scenario(
        pre={COUNTER: Account(code=COUNTER_CODE, storage={0: 1})},
        transactions=[
            Transaction(
                1,
                COUNTER,
                type=kind,
                access_list=((COUNTER, (0, 1)), (address_of(RECIPIENT), ())),
            )
            for kind in (TransactionType.ACCESS_LIST, TransactionType.DYNAMIC_FEE)
        ],
    )


@scenario()
def reverted_call(fork: ProtocolFork) -> Scenario:
    """Call a contract that reverts: only the nonce and the fee change."""
    reverter = fixed_address(2)
    code = sstore(0, 1) + push(0) + push(0) + REVERT
    return Scenario(
        pre={reverter: Account(code=code)},
        transactions=[Transaction(1, reverter, value=5)],
    )


@scenario()
def out_of_gas_call(fork: ProtocolFork) -> Scenario:
    """Call a contract with too little gas to finish its storage write."""
    return Scenario(
        pre={COUNTER: Account(code=COUNTER_CODE, storage={0: 7})},
        transactions=[Transaction(1, COUNTER, gas=25_000)],
    )


@scenario()
def many_senders(fork: ProtocolFork) -> Scenario:
    """Include twenty transfers from twenty senders to twenty new accounts."""
    return Scenario(
        transactions=[
            Transaction(sender, address_of(RECIPIENT + sender), value=sender)
            for sender in range(1, 21)
        ]
    )


@scenario()
def same_sender_nonce_sequence(fork: ProtocolFork) -> Scenario:
    """Send five transactions of mixed types from one sender in nonce order."""
    kinds = SIMPLE_TYPES + SIMPLE_TYPES[:2]
    return Scenario(
        transactions=[
            Transaction(1, address_of(RECIPIENT), type=kind, value=index + 1)
            for index, kind in enumerate(kinds)
        ]
    )


@scenario()
def sender_with_prior_nonce(fork: ProtocolFork) -> Scenario:
    """Send from an account whose nonce is already non-zero."""
    return Scenario(
        pre={address_of(1): Account(balance=ETHER, nonce=41)},
        transactions=[Transaction(1, address_of(RECIPIENT), value=1)],
    )


@scenario()
def empty_block(fork: ProtocolFork) -> Scenario:
    """Validate a block with no transactions at all."""
    return Scenario()
