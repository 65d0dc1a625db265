"""
Set-code transactions and delegated accounts [EIP-7702].

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

An authorization writes ``0xef0100 || address`` as the authority's code;
calls to the authority then run the target's code in the authority's
context. The witness must carry both codes: the marker and the target.
"""

from ...schema import ProtocolFork
from ..scenario import (
    ETHER,
    Account,
    Authorization,
    Scenario,
    Transaction,
    TransactionType,
    address_of,
    delegation_designator,
)
from . import fixed_address, scenario
from .evm import (
    ADD,
    ADDRESS,
    CALLER,
    EXTCODEHASH,
    EXTCODESIZE,
    SLOAD,
    call,
    push,
    sstore,
    store_result,
)

PRAGUE = ProtocolFork.Prague
TARGET = fixed_address(0xA0)
OTHER_TARGET = fixed_address(0xA1)
PROBE = fixed_address(0xA2)
AUTHORITY = 20
SPONSOR = 1
TARGET_CODE = (
    store_result(0, CALLER)
    + store_result(1, ADDRESS)
    + sstore(2, push(2) + SLOAD + push(1) + ADD)
)
"""Record the caller and the executing address, and count the calls."""
OTHER_TARGET_CODE = sstore(3, 0x0DD)
TARGETS = {
    TARGET: Account(code=TARGET_CODE),
    OTHER_TARGET: Account(code=OTHER_TARGET_CODE),
}


def _set_code(
    *authorizations: Authorization, sender: int = SPONSOR, to: bytes | None = None
) -> Transaction:
    return Transaction(
        sender,
        address_of(AUTHORITY) if to is None else to,
        type=TransactionType.SET_CODE,
        authorizations=authorizations,
    )


def _delegated(target: bytes, balance: int = ETHER) -> Account:
    return Account(balance=balance, nonce=1, code=delegation_designator(target))


@scenario(since=PRAGUE)
def delegate_and_call(fork: ProtocolFork) -> Scenario:
    """Delegate a fresh account, then run the target's code in it."""
    return Scenario(
        pre=TARGETS,
        transactions=[_set_code(Authorization(AUTHORITY, TARGET))],
    )


@scenario(since=PRAGUE)
def self_sponsored_delegation(fork: ProtocolFork) -> Scenario:
    """Delegate the sender's own account in its own transaction."""
    return Scenario(
        pre=TARGETS,
        transactions=[_set_code(Authorization(AUTHORITY, TARGET), sender=AUTHORITY)],
    )


@scenario(since=PRAGUE)
def delegate_funded_account(fork: ProtocolFork) -> Scenario:
    """Delegate an existing account that holds a balance."""
    return Scenario(
        pre=dict(TARGETS) | {address_of(AUTHORITY): Account(balance=ETHER, nonce=3)},
        transactions=[_set_code(Authorization(AUTHORITY, TARGET))],
    )


@scenario(since=PRAGUE)
def call_delegated_account(fork: ProtocolFork) -> Scenario:
    """Call an account delegated in an earlier block."""
    return Scenario(
        pre=dict(TARGETS) | {address_of(AUTHORITY): _delegated(TARGET)},
        transactions=[Transaction(SPONSOR, address_of(AUTHORITY), value=3)],
    )


@scenario(since=PRAGUE)
def redelegate(fork: ProtocolFork) -> Scenario:
    """Point a delegated account at another target."""
    return Scenario(
        pre=dict(TARGETS) | {address_of(AUTHORITY): _delegated(TARGET)},
        transactions=[_set_code(Authorization(AUTHORITY, OTHER_TARGET))],
    )


@scenario(since=PRAGUE)
def clear_delegation(fork: ProtocolFork) -> Scenario:
    """Clear a delegation by authorizing the zero address."""
    return Scenario(
        pre=dict(TARGETS) | {address_of(AUTHORITY): _delegated(TARGET)},
        transactions=[
            _set_code(Authorization(AUTHORITY, bytes(20)), to=address_of(SPONSOR))
        ],
    )


@scenario(since=PRAGUE)
def authorization_with_wrong_nonce_is_skipped(fork: ProtocolFork) -> Scenario:
    """Skip an authorization whose nonce is stale; the transaction stays valid."""
    return Scenario(
        pre=dict(TARGETS) | {address_of(AUTHORITY): Account(balance=ETHER, nonce=5)},
        transactions=[_set_code(Authorization(AUTHORITY, TARGET, nonce=4))],
    )


@scenario(since=PRAGUE)
def authorization_for_other_chain_is_skipped(fork: ProtocolFork) -> Scenario:
    """Skip an authorization signed for another chain id."""
    return Scenario(
        pre=TARGETS,
        transactions=[_set_code(Authorization(AUTHORITY, TARGET, chain_id=5))],
    )


@scenario(since=PRAGUE)
def authorization_for_any_chain(fork: ProtocolFork) -> Scenario:
    """Apply an authorization signed for chain id zero (any chain)."""
    return Scenario(
        pre=TARGETS,
        transactions=[_set_code(Authorization(AUTHORITY, TARGET, chain_id=0))],
    )


@scenario(since=PRAGUE)
def several_authorizations(fork: ProtocolFork) -> Scenario:
    """Delegate three accounts in one transaction, one of them twice."""
    authorizations = (
        Authorization(AUTHORITY, TARGET),
        Authorization(AUTHORITY + 1, OTHER_TARGET),
        Authorization(AUTHORITY + 2, TARGET),
        Authorization(AUTHORITY, OTHER_TARGET),
    )
    return Scenario(pre=TARGETS, transactions=[_set_code(*authorizations)])


@scenario(since=PRAGUE)
def delegation_chain_is_not_followed(fork: ProtocolFork) -> Scenario:
    """Call an account delegated to another delegated account: the call fails."""
    second = address_of(AUTHORITY + 1)
    return Scenario(
        pre=dict(TARGETS)
        | {
            address_of(AUTHORITY): _delegated(second),
            second: _delegated(TARGET),
        },
        transactions=[Transaction(SPONSOR, address_of(AUTHORITY))],
    )


@scenario(since=PRAGUE)
def query_delegated_account_code(fork: ProtocolFork) -> Scenario:
    """Read EXTCODESIZE and EXTCODEHASH of a delegated account."""
    authority = address_of(AUTHORITY)
    code = store_result(0, push(authority) + EXTCODESIZE) + store_result(
        1, push(authority) + EXTCODEHASH
    )
    return Scenario(
        pre=dict(TARGETS) | {authority: _delegated(TARGET), PROBE: Account(code=code)},
        transactions=[Transaction(SPONSOR, PROBE)],
    )


@scenario(since=PRAGUE)
def contract_calls_delegated_account(fork: ProtocolFork) -> Scenario:
    """Have a contract CALL a delegated account with value."""
    authority = address_of(AUTHORITY)
    return Scenario(
        pre=dict(TARGETS)
        | {
            authority: _delegated(TARGET),
            PROBE: Account(code=store_result(0, call(authority, value=1)), balance=10),
        },
        transactions=[Transaction(SPONSOR, PROBE)],
    )
