"""
Execution-layer requests: deposits, withdrawals, consolidations [EIP-7685].

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Deposits come from ``DepositEvent`` logs of the deposit contract
[EIP-6110]; here a small stand-in at the deposit contract's address emits
the call data as that event, in the exact ABI layout the specification
parses. Withdrawal [EIP-7002] and consolidation [EIP-7251] requests go to
the real system contracts, paying their fee.
"""

from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    DEPOSIT_EVENT_SIGNATURE_HASH,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
)
from eth_utils import keccak

from ...chain_config import MAINNET_DEPOSIT_CONTRACT_ADDRESS
from ...schema import ProtocolFork
from ..scenario import GWEI, Account, Scenario, Transaction
from . import fixed_address, scenario
from .evm import (
    CALLDATASIZE,
    LOG1,
    call,
    calldata_to_memory,
    memory_store,
    push,
    store_result,
)

PRAGUE = ProtocolFork.Prague
DEPOSIT_CONTRACT = MAINNET_DEPOSIT_CONTRACT_ADDRESS
DEPOSIT_EVENT_CODE = (
    (calldata_to_memory() + push(DEPOSIT_EVENT_SIGNATURE_HASH) + CALLDATASIZE)
    + push(0)
    + LOG1
)
"""Emit the call data as a ``DepositEvent`` log."""
REQUEST_FEE = 1
"""The request fee while the contracts' excess is zero (wei)."""
WORD = 32
PUBKEY_SIZE = 48
SIGNATURE_SIZE = 96
DEPOSIT_FIELD_SIZES = (PUBKEY_SIZE, WORD, 8, SIGNATURE_SIZE, 8)
"""Pubkey, withdrawal credentials, amount, signature, index."""


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % WORD)


def deposit_event_data(index: int, amount_gwei: int = 32 * 10**9) -> bytes:
    """ABI-encode a ``DepositEvent`` with five dynamic ``bytes`` fields."""
    fields = (
        keccak(b"pubkey" + bytes([index])) + bytes(16),
        b"\x01" + bytes(11) + keccak(b"credentials")[:20],
        amount_gwei.to_bytes(8, "little"),
        keccak(b"signature") * 3,
        index.to_bytes(8, "little"),
    )
    assert tuple(len(item) for item in fields) == DEPOSIT_FIELD_SIZES
    head = b""
    tail = b""
    offset = WORD * len(fields)
    for item in fields:
        head += offset.to_bytes(WORD, "big")
        encoded = len(item).to_bytes(WORD, "big") + _padded(item)
        tail += encoded
        offset += len(encoded)
    return head + tail


def _pubkey(tag: bytes) -> bytes:
    return (keccak(tag) * 2)[:PUBKEY_SIZE]


def withdrawal_request_data(amount_gwei: int) -> bytes:
    """Return the call data of a withdrawal request [EIP-7002]."""
    return _pubkey(b"validator") + amount_gwei.to_bytes(8, "big")


def consolidation_request_data() -> bytes:
    """Return the call data of a consolidation request [EIP-7251]."""
    return _pubkey(b"source") + _pubkey(b"target")


def _deposit(index: int) -> Transaction:
    return Transaction(1, DEPOSIT_CONTRACT, data=deposit_event_data(index))


def _withdrawal_request(amount_gwei: int = GWEI) -> Transaction:
    return Transaction(
        2,
        WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
        value=REQUEST_FEE,
        data=withdrawal_request_data(amount_gwei),
    )


def _consolidation_request() -> Transaction:
    return Transaction(
        3,
        CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        value=REQUEST_FEE,
        data=consolidation_request_data(),
    )


DEPOSIT_PRE = {DEPOSIT_CONTRACT: Account(code=DEPOSIT_EVENT_CODE)}


@scenario(since=PRAGUE)
def deposit_request(fork: ProtocolFork) -> Scenario:
    """Emit one deposit from the deposit contract [EIP-6110]."""
    return Scenario(pre=DEPOSIT_PRE, transactions=[_deposit(0)])


@scenario(since=PRAGUE)
def several_deposit_requests(fork: ProtocolFork) -> Scenario:
    """Emit three deposits in three transactions."""
    return Scenario(
        pre=DEPOSIT_PRE, transactions=[_deposit(index) for index in range(3)]
    )


@scenario(since=PRAGUE)
def withdrawal_request(fork: ProtocolFork) -> Scenario:
    """Queue a partial-withdrawal request [EIP-7002]."""
    return Scenario(transactions=[_withdrawal_request()])


@scenario(since=PRAGUE)
def full_exit_request(fork: ProtocolFork) -> Scenario:
    """Queue a full-exit request (amount zero) [EIP-7002]."""
    return Scenario(transactions=[_withdrawal_request(0)])


@scenario(since=PRAGUE)
def consolidation_request(fork: ProtocolFork) -> Scenario:
    """Queue a consolidation request [EIP-7251]."""
    return Scenario(transactions=[_consolidation_request()])


@scenario(since=PRAGUE)
def every_request_type(fork: ProtocolFork) -> Scenario:
    """Produce a deposit, a withdrawal and a consolidation in one block."""
    return Scenario(
        pre=DEPOSIT_PRE,
        transactions=[_deposit(0), _withdrawal_request(), _consolidation_request()],
    )


@scenario(since=PRAGUE)
def withdrawal_request_from_contract(fork: ProtocolFork) -> Scenario:
    """Queue a withdrawal request from a contract, the request's source."""
    requester = fixed_address(0xB0)
    data = withdrawal_request_data(GWEI)
    code = memory_store(data) + store_result(
        0,
        call(
            WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, value=REQUEST_FEE, args_size=len(data)
        ),
    )
    return Scenario(
        pre={requester: Account(code=code, balance=10)},
        transactions=[Transaction(1, requester)],
    )


@scenario(since=PRAGUE)
def request_fee_read(fork: ProtocolFork) -> Scenario:
    """Read the current withdrawal-request fee with an empty call."""
    reader = fixed_address(0xB1)
    code = store_result(0, call(WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS))
    return Scenario(
        pre={reader: Account(code=code)}, transactions=[Transaction(1, reader)]
    )
