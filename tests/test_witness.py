"""Witness-backed pre-state: lookups by hash, missing nodes and codes, collapses."""

import random
from dataclasses import replace

import pytest
import rlp
from eth.vm.forks import ShanghaiVM
from eth_utils import keccak
from trie import HexaryTrie

from guest.errors import MissingWitnessData, StatelessException
from guest.schema import ProtocolFork, StatelessInput
from guest.stateless import verify_stateless_new_payload
from guest.witness import WitnessStore
from tests.stateless_chain import (
    COLLAPSE_CODE,
    BuiltCase,
    make_input,
    new_chain,
    typical_transactions,
)


@pytest.fixture(scope="module")
def case() -> BuiltCase:
    """A Shanghai block with transfers, a storage collapse and a BLOCKHASH call."""
    chain = new_chain(ProtocolFork.Shanghai, ShanghaiVM)
    return make_input(chain, typical_transactions(chain, 6))


def with_witness(stateless_input: StatelessInput, **changes: object) -> StatelessInput:
    """Return the input with some witness fields replaced."""
    return replace(stateless_input, witness=replace(stateless_input.witness, **changes))


def refusal_of(stateless_input: StatelessInput) -> MissingWitnessData:
    """Validate and return the missing-data refusal it must end in."""
    result = verify_stateless_new_payload(stateless_input)
    assert not result.successful_validation
    assert isinstance(result.refusal, MissingWitnessData), result.refusal
    return result.refusal


def test_store_serves_preimages_by_keccak() -> None:
    node, code = b"\xc2\x80\x80" * 20, b"\x60\x00"
    store = WitnessStore([node, node], [code])
    assert store[keccak(node)] == node
    assert store[keccak(code)] == code
    assert keccak(b"absent") not in store


def test_store_refuses_a_miss_and_remembers_it() -> None:
    store = WitnessStore([], [])
    absent = keccak(b"absent")
    with pytest.raises(MissingWitnessData) as raised:
        store[absent]
    assert raised.value.exception is StatelessException.MISSING_WITNESS_NODE
    assert raised.value.missing_hash == absent
    with pytest.raises(MissingWitnessData):
        store.raise_if_missing()  # a swallowed miss still refuses


def test_store_keeps_writes_and_ignores_deletions() -> None:
    node = b"\xc2\x80\x80" * 20
    store = WitnessStore([node], [])
    store[b"new"] = b"value"
    del store[keccak(node)]
    assert store[b"new"] == b"value"
    assert store[keccak(node)] == node


def test_recorded_witness_validates(case: BuiltCase) -> None:
    assert verify_stateless_new_payload(case.stateless_input).successful_validation


def test_duplicate_extra_and_shuffled_items_are_tolerated(case: BuiltCase) -> None:
    witness = case.stateless_input.witness
    state = list(witness.state) * 2 + [rlp.encode([b"unused", b"node"])]
    codes = list(witness.codes) * 2 + [b"\x60\x01\x00"]
    random.Random(7).shuffle(state)
    random.Random(8).shuffle(codes)
    shuffled = with_witness(
        case.stateless_input, state=tuple(state), codes=tuple(codes)
    )
    assert verify_stateless_new_payload(shuffled).successful_validation


def test_missing_code_is_named(case: BuiltCase) -> None:
    codes = tuple(
        code for code in case.stateless_input.witness.codes if code != COLLAPSE_CODE
    )
    refusal = refusal_of(with_witness(case.stateless_input, codes=codes))
    assert refusal.exception is StatelessException.MISSING_CODE
    assert refusal.missing_hash == keccak(COLLAPSE_CODE)


def collapse_sibling_leaf() -> bytes:
    """Return the storage leaf of slot 1, which slot 0's deletion collapses into."""
    nodes: dict[bytes, bytes] = {}
    storage = HexaryTrie(nodes)
    for slot, value in ((0, 1), (1, 2)):
        storage[keccak(slot.to_bytes(32, "big"))] = rlp.encode(value)
    slot_one = keccak((1).to_bytes(32, "big"))
    leaves = [
        node
        for node in nodes.values()
        if len(rlp.decode(node)) == 2 and rlp.decode(node)[1] == rlp.encode(2)
    ]
    assert len(leaves) == 1, slot_one
    return leaves[0]


def test_branch_collapse_needs_the_sibling(case: BuiltCase) -> None:
    sibling = collapse_sibling_leaf()
    state = case.stateless_input.witness.state
    assert sibling in state
    proofs_only = tuple(node for node in state if node != sibling)
    refusal = refusal_of(with_witness(case.stateless_input, state=proofs_only))
    assert refusal.exception is StatelessException.MISSING_WITNESS_NODE
    assert refusal.missing_hash == keccak(sibling)


def test_every_dropped_node_is_a_named_refusal(case: BuiltCase) -> None:
    state = case.stateless_input.witness.state
    for index, node in enumerate(state):
        dropped = state[:index] + state[index + 1 :]
        refusal = refusal_of(with_witness(case.stateless_input, state=dropped))
        assert refusal.exception is StatelessException.MISSING_WITNESS_NODE
        assert refusal.missing_hash == keccak(node)


def test_set_code_block_drops_are_named() -> None:
    """Misses while applying authorizations ([EIP-7702]) still refuse by name."""
    builder = pytest.importorskip("guest.host.builder")
    scenarios = pytest.importorskip("guest.host.scenario")
    fork = ProtocolFork.Prague
    target = keccak(b"delegate")[:20]
    scenario = scenarios.Scenario(
        pre={target: scenarios.Account(code=COLLAPSE_CODE)},
        transactions=[
            scenarios.Transaction(
                sender=1,
                to=scenarios.address_of(2),
                type=scenarios.TransactionType.SET_CODE,
                authorizations=(scenarios.Authorization(signer=2, address=target),),
            )
        ],
    )
    built = scenarios.build_scenario(scenario, fork)
    alloc = {
        address: builder.AccountState(
            account.nonce, account.balance, account.code, account.storage
        )
        for address, account in built.alloc.items()
    }
    stateless_input = builder.build_stateless_input(
        fork, 1, alloc, built.ancestor_headers, built.block
    ).stateless_input
    assert verify_stateless_new_payload(stateless_input).successful_validation
    state = stateless_input.witness.state
    for index, node in enumerate(state):
        dropped = state[:index] + state[index + 1 :]
        refusal = refusal_of(with_witness(stateless_input, state=dropped))
        assert refusal.exception is StatelessException.MISSING_WITNESS_NODE
        assert refusal.missing_hash == keccak(node)
