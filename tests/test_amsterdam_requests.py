"""Amsterdam requests: the hash with builder requests and the checked system calls."""

from hashlib import sha256

import pytest
from eth.chains.base import ChainContext
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth_typing import Address

from guest.errors import BlockException, InvalidBlock
from guest.forks.amsterdam import AmsterdamVM
from guest.forks.amsterdam.blocks import AmsterdamBlockHeader
from guest.forks.amsterdam.requests import collect_requests, compute_requests_hash
from guest.forks.amsterdam.state import AmsterdamState
from guest.forks.amsterdam.system_calls import (
    BEACON_ROOTS_ADDRESS,
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    process_unchecked_system_transaction,
)
from guest.payload import encode_execution_requests
from guest.schema import (
    BuilderDepositRequest,
    BuilderExitRequest,
    ExecutionRequests,
    WithdrawalRequest,
)

REQUEST_CONTRACTS = (
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
)
RETURN_NOTHING = bytes.fromhex("60006000f3")
REVERT = bytes.fromhex("60006000fd")
MAINNET_DEPOSIT_CONTRACT = Address(
    bytes.fromhex("00000000219ab540356cbb839cbe05303d7705fa")
)
DEPOSIT_EVENT_TOPIC = int(
    "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5", 16
)


def return_byte(value: int) -> bytes:
    """Code that returns the single byte `value`."""
    return bytes([0x60, value, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xF3])


def make_state(codes: dict[Address, bytes]) -> AmsterdamState:
    db = AtomicDB()
    header = AmsterdamBlockHeader(
        difficulty=0,
        block_number=1,
        gas_limit=30_000_000,
        timestamp=12,
        base_fee_per_gas=7,
    )
    context = AmsterdamVM.create_execution_context(header, (), ChainContext(1))
    setup = AmsterdamState(db, context, BLANK_ROOT_HASH)
    for address, code in codes.items():
        setup.set_code(address, code)
        setup.set_nonce(address, 1)
    setup.persist()
    return AmsterdamState(db, context, setup.state_root)


def test_requests_hash_with_builder_requests():
    withdrawal = WithdrawalRequest(b"\x01" * 20, b"\x02" * 48, 3)
    builder_deposit = BuilderDepositRequest(b"\x04" * 48, b"\x05" * 32, 6, b"\x07" * 96)
    builder_exit = BuilderExitRequest(b"\x08" * 20, b"\x09" * 48)
    requests = ExecutionRequests(
        deposits=(),
        withdrawals=(withdrawal,),
        consolidations=(),
        builder_deposits=(builder_deposit,),
        builder_exits=(builder_exit,),
    )
    entries = [
        b"\x01" + b"\x01" * 20 + b"\x02" * 48 + (3).to_bytes(8, "little"),
        b"\x03"
        + b"\x04" * 48
        + b"\x05" * 32
        + (6).to_bytes(8, "little")
        + b"\x07" * 96,
        b"\x04" + b"\x08" * 20 + b"\x09" * 48,
    ]
    assert [len(entry) for entry in entries] == [77, 185, 69]
    expected = sha256(b"".join(sha256(entry).digest() for entry in entries)).digest()
    assert encode_execution_requests(requests) == entries
    assert compute_requests_hash(entries) == expected


def test_requests_hash_of_no_requests():
    assert compute_requests_hash([]) == sha256(b"").digest()


def test_checked_calls_collect_typed_requests_in_order():
    codes = {
        address: return_byte(0x10 + position)
        for position, address in enumerate(REQUEST_CONTRACTS)
    }
    codes[CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS] = RETURN_NOTHING
    state = make_state(codes)
    assert collect_requests(state, []) == [b"\x01\x10", b"\x03\x12", b"\x04\x13"]
    touched = {account.address for account in state.build_block_access_list()}
    assert set(REQUEST_CONTRACTS) <= touched


@pytest.mark.parametrize("missing", REQUEST_CONTRACTS)
def test_checked_call_without_code_invalidates_the_block(missing):
    state = make_state(
        {address: RETURN_NOTHING for address in REQUEST_CONTRACTS if address != missing}
    )
    with pytest.raises(InvalidBlock) as refusal:
        collect_requests(state, [])
    assert refusal.value.exception == BlockException.SYSTEM_CONTRACT_EMPTY


def test_failing_checked_call_invalidates_the_block():
    codes = {address: RETURN_NOTHING for address in REQUEST_CONTRACTS}
    codes[BUILDER_EXIT_CONTRACT_ADDRESS] = REVERT
    with pytest.raises(InvalidBlock) as refusal:
        collect_requests(make_state(codes), [])
    assert refusal.value.exception == BlockException.SYSTEM_CONTRACT_CALL_FAILED


def test_unchecked_call_without_code_still_reads_the_target():
    state = make_state({})
    output = process_unchecked_system_transaction(
        state, BEACON_ROOTS_ADDRESS, b"\x00" * 32
    )
    assert output.error is None and output.return_data == b""
    assert [a.address for a in state.build_block_access_list()] == [
        BEACON_ROOTS_ADDRESS
    ]


def deposit_event_data() -> bytes:
    sizes = (48, 32, 8, 96, 8)
    head, body, offset = b"", b"", 32 * len(sizes)
    for position, size in enumerate(sizes):
        padded = (size + 31) // 32 * 32
        head += offset.to_bytes(32, "big")
        body += size.to_bytes(32, "big") + bytes([position + 1]) * size
        body += b"\x00" * (padded - size)
        offset += 32 + padded
    return head + body


def test_deposits_come_first():
    state = make_state({address: RETURN_NOTHING for address in REQUEST_CONTRACTS})
    log = Log(MAINNET_DEPOSIT_CONTRACT, [DEPOSIT_EVENT_TOPIC], deposit_event_data())
    receipt = Receipt(b"\x01", 21_000, [log])
    (deposits,) = collect_requests(state, [receipt])
    sizes = (48, 32, 8, 96, 8)
    assert deposits == b"\x00" + b"".join(
        bytes([position + 1]) * size for position, size in enumerate(sizes)
    )
    assert len(deposits) == 1 + 192


def test_malformed_deposit_event_invalidates_the_block():
    state = make_state({address: RETURN_NOTHING for address in REQUEST_CONTRACTS})
    data = deposit_event_data()
    log = Log(MAINNET_DEPOSIT_CONTRACT, [DEPOSIT_EVENT_TOPIC], data[:-1])
    with pytest.raises(InvalidBlock) as refusal:
        collect_requests(state, [Receipt(b"\x01", 21_000, [log])])
    assert refusal.value.exception == BlockException.INVALID_DEPOSIT_EVENT_LAYOUT
