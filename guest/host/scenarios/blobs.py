"""
Blob transactions and the blob-gas boundaries [EIP-4844].

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Blocks with one blob, with the fork's target and maximum blob counts (split
into transactions of at most six blobs from Osaka on [EIP-7594]), and a
blob transaction that offers exactly the block's blob base fee.
"""

from eth.vm.forks.cancun.constants import MIN_BLOB_BASE_FEE
from eth.vm.forks.cancun.state import fake_exponential
from eth_utils import keccak

from ...chain_config import STANDARD_BLOB_SCHEDULES
from ...schema import ProtocolFork
from ..scenario import (
    MAX_FEE_PER_BLOB_GAS,
    Account,
    Scenario,
    Transaction,
    TransactionType,
    address_of,
    build_scenario,
)
from . import fixed_address, scenario
from .evm import BLOBBASEFEE, BLOBHASH, push, store_result

CANCUN = ProtocolFork.Cancun
PROBE = fixed_address(0x90)
KZG_VERSIONED_HASH_VERSION = b"\x01"
MAX_BLOBS_PER_TRANSACTION_FROM_OSAKA = 6
GAS_PER_BLOB = 2**17
BLOBHASH_PROBE_CODE = (
    store_result(0, push(0) + BLOBHASH)
    + store_result(1, push(1) + BLOBHASH)
    + store_result(2, BLOBBASEFEE)
)
"""Store the first two versioned hashes and the blob base fee."""


def versioned_hash(index: int) -> bytes:
    """Return a well-formed versioned hash; the guest never sees blobs."""
    return KZG_VERSIONED_HASH_VERSION + keccak(index.to_bytes(8, "big"))[1:]


def _max_blobs_per_transaction(fork: ProtocolFork) -> int:
    block_max = STANDARD_BLOB_SCHEDULES[fork].max
    if fork >= ProtocolFork.Osaka:
        return min(block_max, MAX_BLOBS_PER_TRANSACTION_FROM_OSAKA)
    return block_max


def _blob_transactions(
    fork: ProtocolFork, blobs: int, max_fee_per_blob_gas: int = MAX_FEE_PER_BLOB_GAS
) -> list[Transaction]:
    """Split `blobs` blobs into as few transactions as the fork allows."""
    per_transaction = _max_blobs_per_transaction(fork)
    transactions = []
    for start in range(0, blobs, per_transaction):
        count = min(per_transaction, blobs - start)
        transactions.append(
            Transaction(
                1 + start // per_transaction,
                PROBE,
                type=TransactionType.BLOB,
                blob_versioned_hashes=tuple(
                    versioned_hash(index) for index in range(start, start + count)
                ),
                max_fee_per_blob_gas=max_fee_per_blob_gas,
            )
        )
    return transactions


def _blob_block(fork: ProtocolFork, blobs: int, **parent: int) -> Scenario:
    return Scenario(
        pre={PROBE: Account(code=BLOBHASH_PROBE_CODE)},
        transactions=_blob_transactions(fork, blobs),
        **parent,  # type: ignore[arg-type]
    )


@scenario(since=CANCUN)
def one_blob(fork: ProtocolFork) -> Scenario:
    """Send one blob transaction to a contract that reads BLOBHASH."""
    return _blob_block(fork, 1)


@scenario(since=CANCUN)
def blobs_at_target(fork: ProtocolFork) -> Scenario:
    """Fill the block with exactly the target number of blobs."""
    return _blob_block(fork, STANDARD_BLOB_SCHEDULES[fork].target)


@scenario(since=CANCUN)
def blobs_at_maximum(fork: ProtocolFork) -> Scenario:
    """Fill the block with exactly the maximum number of blobs."""
    return _blob_block(fork, STANDARD_BLOB_SCHEDULES[fork].max)


@scenario(since=CANCUN)
def blobs_after_full_parent(fork: ProtocolFork) -> Scenario:
    """Send blobs on top of a parent with a large excess of blob gas."""
    schedule = STANDARD_BLOB_SCHEDULES[fork]
    excess = 20 * schedule.target * GAS_PER_BLOB
    return _blob_block(fork, schedule.target, parent_excess_blob_gas=excess)


def _blob_base_fee(fork: ProtocolFork, parent_excess_blob_gas: int) -> int:
    """Return the blob base fee of a block on a parent with that excess."""
    empty = build_scenario(
        Scenario(parent_excess_blob_gas=parent_excess_blob_gas), fork
    )
    return fake_exponential(
        MIN_BLOB_BASE_FEE,
        empty.block.header.excess_blob_gas,
        STANDARD_BLOB_SCHEDULES[fork].base_fee_update_fraction,
    )


@scenario(since=CANCUN)
def blob_fee_exactly_blob_base_fee(fork: ProtocolFork) -> Scenario:
    """Offer a max blob fee equal to the block's blob base fee."""
    excess = 30 * STANDARD_BLOB_SCHEDULES[fork].target * GAS_PER_BLOB
    fee = _blob_base_fee(fork, excess)
    return Scenario(
        pre={PROBE: Account(code=BLOBHASH_PROBE_CODE)},
        transactions=_blob_transactions(fork, 2, max_fee_per_blob_gas=fee),
        parent_excess_blob_gas=excess,
    )


@scenario(since=CANCUN)
def blob_and_plain_transactions(fork: ProtocolFork) -> Scenario:
    """Mix a blob transaction between two plain transfers."""
    transfer = Transaction(9, address_of(99), value=1)
    blob = _blob_transactions(fork, 2)[0]
    return Scenario(
        pre={PROBE: Account(code=BLOBHASH_PROBE_CODE)},
        transactions=[transfer, blob, Transaction(9, address_of(98), value=2)],
    )
