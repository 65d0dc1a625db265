"""Shared helpers for the Amsterdam transaction/EVM tests: a small state and txs."""

from dataclasses import dataclass, field

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.vm.forks.prague.transactions import Authorization, PragueTransactionBuilder
from eth_keys import keys
from eth_typing import Address
from eth_utils import keccak

from guest.forks.amsterdam.computation import AmsterdamExecutionContext
from guest.forks.amsterdam.state import AmsterdamState
from guest.forks.amsterdam.transactions import (
    BlockGasCounters,
    TransactionOutput,
    process_transaction,
)

CHAIN_ID = 1
BASE_FEE = 7
GAS_PRICE = 10
BLOCK_GAS_LIMIT = 60_000_000
SLOT_NUMBER = 0x1234
COINBASE = Address(b"\xc0" * 20)
KEY = keys.PrivateKey(b"\x01" * 32)
SENDER = Address(KEY.public_key.to_canonical_address())
CONTRACT = Address(b"\xcc" * 20)
OTHER = Address(b"\x22" * 20)
RICH = 10**24


@dataclass
class Account:
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: dict[int, int] = field(default_factory=dict)


def make_state(accounts: dict[Address, Account]) -> AmsterdamState:
    context = AmsterdamExecutionContext(
        slot_number=SLOT_NUMBER,
        coinbase=COINBASE,
        timestamp=1_000,
        block_number=1,
        difficulty=0,
        mix_hash=b"\x00" * 32,
        gas_limit=BLOCK_GAS_LIMIT,
        prev_hashes=(),
        chain_id=CHAIN_ID,
        base_fee_per_gas=BASE_FEE,
        excess_blob_gas=0,
    )
    state = AmsterdamState(AtomicDB(), context, BLANK_ROOT_HASH)
    for address, account in accounts.items():
        state.set_balance(address, account.balance)
        state.set_nonce(address, account.nonce)
        state.set_code(address, account.code)
        for slot, value in account.storage.items():
            state.set_storage(address, slot, value)
    state.persist()
    state.lock_changes()
    return state


def legacy_tx(
    *,
    to: bytes = OTHER,
    value: int = 0,
    data: bytes = b"",
    gas: int = 1_000_000,
    nonce: int = 0,
    gas_price: int = GAS_PRICE,
    chain_id: int | None = CHAIN_ID,
):
    unsigned = PragueTransactionBuilder.create_unsigned_transaction(
        nonce=nonce, gas_price=gas_price, gas=gas, to=to, value=value, data=data
    )
    return unsigned.as_signed_transaction(KEY, chain_id=chain_id)


def access_list_tx(*, access_list, to: bytes = OTHER, gas: int = 1_000_000, data=b""):
    unsigned = PragueTransactionBuilder.new_unsigned_access_list_transaction(
        chain_id=CHAIN_ID,
        nonce=0,
        gas_price=GAS_PRICE,
        gas=gas,
        to=to,
        value=0,
        data=data,
        access_list=access_list,
    )
    return unsigned.as_signed_transaction(KEY)


def fee_market_tx(*, max_fee: int, priority: int, gas: int = 1_000_000, to=OTHER):
    unsigned = PragueTransactionBuilder.new_unsigned_dynamic_fee_transaction(
        chain_id=CHAIN_ID,
        nonce=0,
        max_priority_fee_per_gas=priority,
        max_fee_per_gas=max_fee,
        gas=gas,
        to=to,
        value=0,
        data=b"",
        access_list=(),
    )
    return unsigned.as_signed_transaction(KEY)


def run(state, tx, block_gas: BlockGasCounters | None = None) -> TransactionOutput:
    counters = block_gas or BlockGasCounters(gas_limit=BLOCK_GAS_LIMIT)
    return process_transaction(state, tx, counters, 0)


def call_contract(code: bytes, *, gas: int = 1_000_000, value: int = 0, data=b""):
    """Run one legacy call to ``CONTRACT`` holding ``code``; return state, output."""
    state = make_state(
        {SENDER: Account(balance=RICH), CONTRACT: Account(nonce=1, code=code)}
    )
    output = run(state, legacy_tx(to=CONTRACT, gas=gas, value=value, data=data))
    return state, output


def push(value: int) -> bytes:
    """Assemble the shortest PUSH of ``value``."""
    if value == 0:
        return b"\x5f"
    size = (value.bit_length() + 7) // 8
    return bytes([0x5F + size]) + value.to_bytes(size, "big")


def sstore(slot: int, value: int) -> bytes:
    return push(value) + push(slot) + b"\x55"


AUTHORITY_KEY = keys.PrivateKey(b"\x02" * 32)
AUTHORITY = Address(AUTHORITY_KEY.public_key.to_canonical_address())
SET_CODE_MAGIC = b"\x05"


def authorization(
    target: bytes, *, nonce: int = 0, chain_id: int = CHAIN_ID, key=AUTHORITY_KEY
):
    """Sign an EIP-7702 authorization (by ``AUTHORITY`` unless told) for ``target``."""
    digest = keccak(SET_CODE_MAGIC + rlp.encode([chain_id, target, nonce]))
    signature = key.sign_msg_hash(digest)
    return Authorization(
        chain_id=chain_id,
        address=target,
        nonce=nonce,
        y_parity=signature.v,
        r=signature.r,
        s=signature.s,
    )


def set_code_tx(authorizations, *, to: bytes = OTHER, gas: int = 1_000_000, value=0):
    """Sign a type-4 transaction from ``SENDER``."""
    unsigned = PragueTransactionBuilder.new_unsigned_set_code_transaction(
        chain_id=CHAIN_ID,
        nonce=0,
        max_priority_fee_per_gas=GAS_PRICE - BASE_FEE,
        max_fee_per_gas=GAS_PRICE,
        gas=gas,
        to=to,
        value=value,
        data=b"",
        access_list=(),
        authorization_list=authorizations,
    )
    return unsigned.as_signed_transaction(KEY)
