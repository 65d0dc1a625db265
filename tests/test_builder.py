"""The host input builder (guest.host.builder) and the RPC form (guest.host.rpc)."""

import json
import logging
import random
from pathlib import Path
from typing import Any

import ethereum
import pytest
import rlp
from eth.constants import BLANK_ROOT_HASH
from eth_utils import keccak
from trie import HexaryTrie

from guest.forks import vm_class_for
from guest.host.builder import (
    AccountState,
    BuilderError,
    BuiltInput,
    build_stateless_input,
    parse_execution_requests,
    replay_with_py_evm,
    state_store_from_alloc,
)
from guest.host.rpc import (
    encode_transaction,
    header_rlp_from_json,
    stateless_input_from_rpc,
)
from guest.schema import ProtocolFork, deserialize_stateless_input
from guest.stateless_guest import run_stateless_guest_with_verdict
from tests.fork_chains import CHAIN_ID, ForkChain, default_alloc
from tests.soundness import SoundnessReport, sweep_input

logging.getLogger("eth").setLevel(logging.CRITICAL)

MAINNET_BLOCKS = Path(ethereum.__file__).parent / "assets" / "blocks"

# SSTORE(0, BLOCKHASH(NUMBER - 3))
BLOCKHASH_CODE = bytes.fromhex("6003430340600055" + "00")
BLOCKHASH_CONTRACT = bytes.fromhex("b10c" + "00" * 18)
# SSTORE(1, 0): deletes one of the two slots.
DELETE_CODE = bytes.fromhex("6000600155" + "00")
DELETE_CONTRACT = bytes.fromhex("de1e" + "00" * 18)
SECOND_SLOT = 2


@pytest.fixture(scope="module")
def chain() -> ForkChain:
    """A Prague chain of four empty blocks holding the two test contracts."""
    fork = ProtocolFork.Prague
    alloc = default_alloc(fork)
    alloc[BLOCKHASH_CONTRACT] = {
        "balance": 0,
        "nonce": 1,
        "code": BLOCKHASH_CODE,
        "storage": {},
    }
    alloc[DELETE_CONTRACT] = {
        "balance": 0,
        "nonce": 1,
        "code": DELETE_CODE,
        "storage": {1: 7, SECOND_SLOT: 9},
    }
    chain = ForkChain(fork, vm_class_for(fork), alloc)
    for _ in range(4):
        chain.add_block()
    return chain


def build(chain: ForkChain, sender: int, contract: bytes) -> BuiltInput:
    """Build, without importing, a block with one call from a fresh sender."""
    transactions = [chain.transaction(sender, to=contract, gas=100_000, nonce=0)]
    block = chain.build_block(transactions)
    ancestors = [b.header for b in chain.blocks]
    return build_stateless_input(
        chain.fork, CHAIN_ID, chain.chain.chaindb.db, ancestors, block
    )


@pytest.fixture(scope="module")
def blockhash_input(chain: ForkChain) -> BuiltInput:
    return build(chain, 0, BLOCKHASH_CONTRACT)


@pytest.fixture(scope="module")
def delete_input(chain: ForkChain) -> BuiltInput:
    return build(chain, 1, DELETE_CONTRACT)


def test_built_input_round_trips_and_links_to_the_parent(
    chain: ForkChain, blockhash_input: BuiltInput
) -> None:
    decoded = deserialize_stateless_input(blockhash_input.input_bytes)
    assert decoded == blockhash_input.stateless_input
    payload = decoded.new_payload_request.execution_payload
    assert keccak(decoded.witness.headers[-1]) == payload.parent_hash
    assert payload.block_hash == blockhash_input.block.hash
    assert decoded.schema_id == 0x1101
    assert blockhash_input.imported


def test_witness_is_sorted_and_without_duplicates(blockhash_input: BuiltInput) -> None:
    witness = blockhash_input.stateless_input.witness
    assert list(witness.state) == sorted(set(witness.state))
    assert list(witness.codes) == sorted(set(witness.codes))


def test_headers_reach_back_exactly_as_far_as_blockhash(
    chain: ForkChain, blockhash_input: BuiltInput, delete_input: BuiltInput
) -> None:
    number = blockhash_input.block.number
    headers = [rlp.decode(h) for h in blockhash_input.stateless_input.witness.headers]
    numbers = [int.from_bytes(h[8], "big") for h in headers]
    assert numbers == [number - 3, number - 2, number - 1]
    assert len(delete_input.stateless_input.witness.headers) == 1


def test_witness_alone_replays_the_block(blockhash_input: BuiltInput) -> None:
    fork = ProtocolFork.Prague
    assert replay_with_py_evm(blockhash_input, fork, CHAIN_ID) is None


def test_witness_holds_the_collapse_sibling(
    chain: ForkChain, delete_input: BuiltInput
) -> None:
    """Deleting one of two slots collapses the branch onto the untouched leaf."""
    state = chain.chain.get_vm().state
    storage_root = state._account_db._get_storage_root(DELETE_CONTRACT)
    storage = HexaryTrie(chain.chain.chaindb.db, storage_root)
    proof = storage.get_proof(keccak(SECOND_SLOT.to_bytes(32, "big")))
    sibling_leaf = rlp.encode(proof[-1])
    assert len(sibling_leaf) >= 32
    assert sibling_leaf in delete_input.stateless_input.witness.state
    assert replay_with_py_evm(delete_input, ProtocolFork.Prague, CHAIN_ID) is None


def test_guest_accepts_and_refuses_every_single_removal(
    blockhash_input: BuiltInput, delete_input: BuiltInput
) -> None:
    report = SoundnessReport()
    for name, built in (("blockhash", blockhash_input), ("delete", delete_input)):
        verdict = run_stateless_guest_with_verdict(built.input_bytes)
        assert verdict.result.successful_validation, verdict.describe()
        sweep_input(name, built.input_bytes, report)
    assert report.removals > 10
    assert report.sound, (report.accepted, report.crashed)


def test_block_rlp_and_header_rlp_are_accepted(
    chain: ForkChain, blockhash_input: BuiltInput
) -> None:
    block = blockhash_input.block
    ancestors = [rlp.encode(b.header) for b in chain.blocks]
    again = build_stateless_input(
        chain.fork, CHAIN_ID, chain.chain.chaindb.db, ancestors, rlp.encode(block)
    )
    assert again.input_bytes == blockhash_input.input_bytes


def test_wrong_parent_and_missing_state_are_refused(
    chain: ForkChain, blockhash_input: BuiltInput
) -> None:
    block = blockhash_input.block
    with pytest.raises(BuilderError):
        build_stateless_input(
            chain.fork,
            CHAIN_ID,
            chain.chain.chaindb.db,
            [chain.blocks[0].header],
            block,
        )
    with pytest.raises(BuilderError):
        build_stateless_input(
            chain.fork, CHAIN_ID, {}, [b.header for b in chain.blocks], block
        )


def test_alloc_state_roots() -> None:
    assert state_store_from_alloc({})[0] == BLANK_ROOT_HASH
    # A single empty-code account: the root every client computes for it.
    alloc = {bytes(20): AccountState(balance=1)}
    root, store = state_store_from_alloc(alloc)
    assert root in store
    assert root != BLANK_ROOT_HASH


def test_execution_requests_are_typed_field_by_field() -> None:
    pubkey, credentials, signature = b"\x11" * 48, b"\x22" * 32, b"\x33" * 96
    deposit = pubkey + credentials + (32 * 10**9).to_bytes(8, "little") + signature
    deposit += (5).to_bytes(8, "little")
    withdrawal = b"\x44" * 20 + b"\x55" * 48 + (7).to_bytes(8, "little")
    consolidation = b"\x66" * 20 + b"\x77" * 48 + b"\x88" * 48
    requests = parse_execution_requests(
        [b"\x00" + deposit, b"\x01" + withdrawal * 2, b"\x02" + consolidation]
    )
    assert requests.deposits[0].amount == 32 * 10**9
    assert requests.deposits[0].index == 5
    assert requests.deposits[0].signature == signature
    assert len(requests.withdrawals) == 2 and requests.withdrawals[1].amount == 7
    assert requests.consolidations[0].target_pubkey == b"\x88" * 48
    with pytest.raises(BuilderError):
        parse_execution_requests([b"\x01" + withdrawal[:-1]])
    with pytest.raises(BuilderError):
        parse_execution_requests([b"\x07" + withdrawal])


# The RPC form.


def test_mainnet_transactions_re_encode_to_their_hashes() -> None:
    block = json.loads((MAINNET_BLOCKS / "block_12964999.json").read_text())
    assert len(block["transactions"]) > 100
    for transaction in block["transactions"]:
        assert keccak(encode_transaction(transaction)).hex() == transaction["hash"][2:]
    altered = dict(block["transactions"][0], nonce="0x1")
    with pytest.raises(BuilderError):
        encode_transaction(altered)


@pytest.mark.parametrize("name", sorted(p.name for p in MAINNET_BLOCKS.glob("*.json")))
def test_mainnet_headers_re_encode_to_their_hashes(name: str) -> None:
    block = json.loads((MAINNET_BLOCKS / name).read_text())
    assert keccak(header_rlp_from_json(block)).hex() == block["hash"][2:]


def rpc_block(built: BuiltInput) -> dict[str, Any]:
    """Render a py-evm block as eth_getBlockByNumber does (raw transactions)."""
    header = built.block.header
    fields = rlp.decode(rlp.encode(header))
    names = [
        "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot",
        "receiptsRoot", "logsBloom", "difficulty", "number", "gasLimit", "gasUsed",
        "timestamp", "extraData", "mixHash", "nonce", "baseFeePerGas",
        "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot",
        "requestsHash",
    ]  # fmt: skip
    quantities = {"difficulty", "number", "gasLimit", "gasUsed", "timestamp"}
    quantities |= {"baseFeePerGas", "blobGasUsed", "excessBlobGas"}
    block: dict[str, Any] = {
        name: hex(int.from_bytes(value, "big"))
        if name in quantities
        else "0x" + value.hex()
        for name, value in zip(names, fields, strict=True)
    }
    block["hash"] = "0x" + header.hash.hex()
    block["transactions"] = [
        "0x" + tx.encode().hex() for tx in built.block.transactions
    ]
    block["withdrawals"] = []
    return block


def test_rpc_witness_and_block_give_the_builder_input(
    blockhash_input: BuiltInput,
) -> None:
    witness = blockhash_input.stateless_input.witness
    shuffled = random.Random(1)
    state = ["0x" + node.hex() for node in witness.state] * 2
    shuffled.shuffle(state)
    rpc_witness = {
        "state": state,
        "codes": ["0x" + code.hex() for code in reversed(witness.codes)],
        "keys": ["0x" + bytes(20).hex()],
        "headers": ["0x" + header.hex() for header in reversed(witness.headers)],
    }
    stateless_input = stateless_input_from_rpc(
        ProtocolFork.Prague, CHAIN_ID, rpc_block(blockhash_input), rpc_witness
    )
    assert stateless_input == blockhash_input.stateless_input


def test_rpc_refuses_requests_that_do_not_match(blockhash_input: BuiltInput) -> None:
    block = rpc_block(blockhash_input)
    witness = {"state": [], "codes": [], "headers": []}
    witness["headers"] = [
        "0x" + h.hex() for h in blockhash_input.stateless_input.witness.headers
    ]
    with pytest.raises(BuilderError):
        stateless_input_from_rpc(
            ProtocolFork.Prague, CHAIN_ID, block, witness, ["0x01" + "00" * 76]
        )
