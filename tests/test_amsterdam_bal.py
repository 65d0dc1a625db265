"""Block-level access lists: encoding, recording, per-index netting, size limit."""

import json

import pytest
import rlp
from eth.chains.base import ChainContext
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth_typing import Address
from eth_utils import keccak

from guest.errors import BlockException, InvalidBlock
from guest.forks.amsterdam import AmsterdamVM
from guest.forks.amsterdam.block_access_list import (
    BlockAccessListBuilder,
    count_block_access_list_items,
    decode_block_access_list,
    encode_block_access_list,
    hash_block_access_list,
    validate_block_access_list_gas_limit,
)
from guest.forks.amsterdam.blocks import AmsterdamBlockHeader
from guest.forks.amsterdam.state import AmsterdamState
from guest.schema import deserialize_stateless_input
from tests.conftest import UPSTREAM_VECTORS, shared_file

ALICE = Address(b"\xaa" * 20)
BOB = Address(b"\xbb" * 20)
CAROL = Address(b"\x0c" * 20)
CODE = b"\x60\x00\x60\x00\xf3"


def upstream_bals() -> list[bytes]:
    shared_file(UPSTREAM_VECTORS)
    bals = []
    for case in json.loads(UPSTREAM_VECTORS.read_text())["cases"]:
        try:
            data = deserialize_stateless_input(
                bytes.fromhex(case["statelessInputBytes"][2:])
            )
        except Exception:
            continue
        bals.append(data.new_payload_request.execution_payload.block_access_list)
    return bals


def test_upstream_bals_reencode_byte_identically():
    bals = upstream_bals()
    assert len(bals) == 18
    for raw in bals:
        assert encode_block_access_list(decode_block_access_list(raw)) == raw


def test_upstream_bals_are_canonical():
    for raw in upstream_bals():
        bal = decode_block_access_list(raw)
        addresses = [account.address for account in bal]
        assert addresses == sorted(set(addresses))
        for account in bal:
            slots = [slot for slot, _ in account.storage_changes]
            assert slots == sorted(set(slots))
            assert list(account.storage_reads) == sorted(set(account.storage_reads))
            assert not set(slots) & set(account.storage_reads)
            for changes in (
                account.balance_changes,
                account.nonce_changes,
                account.code_changes,
                *(changes for _, changes in account.storage_changes),
            ):
                indices = [index for index, _ in changes]
                assert indices == sorted(set(indices))


def test_encoding_of_a_touched_account():
    builder = BlockAccessListBuilder()
    builder.touch_account(ALICE)
    encoded = encode_block_access_list(builder.build())
    assert encoded == bytes.fromhex("dbda94") + ALICE + bytes.fromhex("c0" * 5)


def test_integers_are_minimal_and_index_zero_is_empty_string():
    builder = BlockAccessListBuilder()
    builder.set_storage_change(ALICE, 0x0100, 0, 0)
    builder.set_balance_change(ALICE, 1, 1)
    encoded = encode_block_access_list(builder.build())
    # account = [address, [[0x0100, [[0, 0]]]], [], [[1, 1]], [], []]
    storage = bytes.fromhex("c8" + "c7" + "820100" + "c3" + "c2" + "8080")
    balances = bytes.fromhex("c3" + "c2" + "0101")
    account = b"\x94" + ALICE + storage + b"\xc0" + balances + b"\xc0\xc0"
    assert encoded == bytes([0xC0 + len(account) + 1, 0xC0 + len(account)]) + account


def test_empty_list_hash():
    assert encode_block_access_list(()) == b"\xc0"
    assert hash_block_access_list(()) == keccak(b"\xc0")


def test_decoding_rejects_non_canonical_items():
    canonical = rlp.encode([[ALICE, [], [], [[b"\x01", b"\x05"]], [], []]])
    assert encode_block_access_list(decode_block_access_list(canonical)) == canonical
    for bad in (
        [[ALICE, [], [], [[b"\x01", b"\x00\x05"]], [], []]],
        [[ALICE[:19], [], [], [], [], []]],
        [[ALICE, [], [], [], []]],
        [[ALICE, [], [], [[b"\x01"]], [], []]],
    ):
        with pytest.raises(ValueError):
            decode_block_access_list(rlp.encode(bad))


def test_reads_exclude_changed_slots():
    builder = BlockAccessListBuilder()
    builder.add_storage_read(ALICE, 1)
    builder.add_storage_read(ALICE, 2)
    builder.set_storage_change(ALICE, 2, 3, 9)
    (account,) = builder.build()
    assert account.storage_reads == (1,)
    assert account.storage_changes == ((2, ((3, 9),)),)


def test_size_limit_boundary():
    builder = BlockAccessListBuilder()
    builder.touch_account(ALICE)
    builder.add_storage_read(BOB, 1)
    builder.set_storage_change(BOB, 1, 1, 2)
    builder.set_storage_change(BOB, 2, 1, 2)
    bal = builder.build()
    items = count_block_access_list_items(bal)
    assert items == 1 + (1 + 2)
    validate_block_access_list_gas_limit(bal, items * 2_000)
    with pytest.raises(InvalidBlock) as refusal:
        validate_block_access_list_gas_limit(bal, items * 2_000 - 1)
    assert (
        refusal.value.exception == BlockException.BLOCK_ACCESS_LIST_GAS_LIMIT_EXCEEDED
    )


# Recording through the state.


def make_state(balances: dict[Address, int], storage: dict[int, int]) -> AmsterdamState:
    """Return an Amsterdam state whose pre-state holds the given accounts."""
    db = AtomicDB()
    header = AmsterdamBlockHeader(
        difficulty=0, block_number=1, gas_limit=30_000_000, timestamp=12
    )
    context = AmsterdamVM.create_execution_context(header, (), ChainContext(1))
    setup = AmsterdamState(db, context, BLANK_ROOT_HASH)
    for address, balance in balances.items():
        setup.set_balance(address, balance)
    setup.set_code(ALICE, CODE)
    for slot, value in storage.items():
        setup.set_storage(ALICE, slot, value)
    setup.persist()
    return AmsterdamState(db, context, setup.state_root)


def account_of(state: AmsterdamState, address: Address):
    return {account.address: account for account in state.build_block_access_list()}[
        address
    ]


def test_reads_survive_reverts():
    state = make_state({ALICE: 1, BOB: 1}, {1: 7})
    state.begin_block_access_index(1)
    snapshot = state.snapshot()
    assert state.get_storage(ALICE, 1) == 7
    state.get_balance(BOB)
    state.set_storage(ALICE, 2, 5)
    state.revert(snapshot)
    alice = account_of(state, ALICE)
    assert alice.storage_reads == (1, 2)
    assert alice.storage_changes == ()
    assert account_of(state, BOB).balance_changes == ()


def test_original_value_lookups_are_not_reads():
    state = make_state({ALICE: 1}, {1: 7})
    assert state.get_storage(ALICE, 1, from_journal=False) == 7
    assert state.build_block_access_list() == ()


def test_writes_net_against_the_start_of_the_index():
    state = make_state({ALICE: 10, BOB: 10}, {1: 7})
    state.begin_block_access_index(0)
    state.begin_unit()
    state.set_storage(ALICE, 1, 8)
    state.set_balance(BOB, 11)
    state.begin_unit()  # a second unit at the same index restores both
    state.set_storage(ALICE, 1, 7)
    state.set_balance(BOB, 10)
    state.begin_block_access_index(1)
    state.set_balance(BOB, 12)
    state.begin_block_access_index(2)
    state.set_balance(BOB, 13)
    state.set_balance(BOB, 12)
    alice = account_of(state, ALICE)
    assert alice.storage_changes == ()
    assert alice.storage_reads == (1,)
    assert account_of(state, BOB).balance_changes == ((1, 12),)


def test_changes_record_values_per_index():
    state = make_state({ALICE: 10}, {})
    state.begin_block_access_index(1)
    state.set_storage(ALICE, 3, 4)
    state.increment_nonce(ALICE)
    state.set_code(BOB, CODE)
    state.begin_block_access_index(2)
    state.set_storage(ALICE, 3, 5)
    alice = account_of(state, ALICE)
    assert alice.storage_changes == ((3, ((1, 4), (2, 5))),)
    assert alice.nonce_changes == ((1, 1),)
    assert account_of(state, BOB).code_changes == ((1, CODE),)


def test_empty_result_of_a_credit_is_no_account():
    state = make_state({ALICE: 10}, {})
    root = state.make_state_root()
    state.begin_block_access_index(1)
    state.delta_balance(CAROL, 0)
    assert not state.account_exists(CAROL)
    assert state.make_state_root() == root
    carol = account_of(state, CAROL)
    assert carol.balance_changes == () and carol.nonce_changes == ()


def test_account_was_empty_at_transaction_start():
    state = make_state({ALICE: 10}, {})
    state.begin_unit()
    state.set_balance(CAROL, 5)
    assert state.account_was_empty_at_transaction_start(CAROL)
    assert not state.account_was_empty_at_transaction_start(ALICE)
    state.begin_unit()
    assert not state.account_was_empty_at_transaction_start(CAROL)


def test_a_write_that_leaves_an_account_empty_deletes_it():
    state = make_state({ALICE: 10, BOB: 3}, {})
    state.begin_block_access_index(1)
    state.set_balance(BOB, 0)
    assert not state.account_exists(BOB)
    assert account_of(state, BOB).balance_changes == ((1, 0),)
