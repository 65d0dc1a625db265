"""Ancestor headers, BLOCKHASH from the witness, and header-vs-parent rules."""

import json
from dataclasses import replace

import pytest
import rlp
from eth.abc import BlockHeaderAPI
from eth.vm.chain_context import ChainContext
from eth.vm.forks import CancunVM, ShanghaiVM
from eth_utils import keccak

from guest.chain_config import chain_config_for
from guest.errors import (
    BlockException,
    InvalidAncestors,
    InvalidBlock,
    StatelessException,
)
from guest.forks import vm_class_for
from guest.headers import (
    GAS_LIMIT_ADJUSTMENT_FACTOR,
    AncestorChain,
    validate_header,
    validate_headers,
)
from guest.payload import header_class_of
from guest.schema import (
    MAX_WITNESS_HEADERS,
    ProtocolFork,
    StatelessInput,
    deserialize_stateless_input,
)
from guest.stateless import ancestor_header_classes, verify_stateless_new_payload
from tests.conftest import UPSTREAM_VECTORS, shared_file
from tests.stateless_chain import (
    LocalChain,
    build_block,
    make_input,
    new_chain,
    typical_transactions,
)

SHANGHAI_HEADERS = (header_class_of(ShanghaiVM),)


@pytest.fixture(scope="module")
def shanghai_chain() -> LocalChain:
    """A Shanghai chain of five blocks."""
    return new_chain(ProtocolFork.Shanghai, ShanghaiVM, empty_blocks=5)


def raw_headers(chain: LocalChain, count: int) -> tuple[bytes, ...]:
    return tuple(rlp.encode(header) for header in chain.ancestors(count))


def refusal_of(stateless_input: StatelessInput) -> object:
    result = verify_stateless_new_payload(stateless_input)
    assert not result.successful_validation
    return result.refusal


# Header chain.


def test_headers_hash_raw_bytes_and_end_with_the_parent(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 4)
    chain = validate_headers(raw, SHANGHAI_HEADERS)
    assert chain.block_hashes == tuple(keccak(header) for header in raw)
    assert chain.parent_header == shanghai_chain.head
    assert chain.parent_hash == shanghai_chain.head.hash


def test_empty_header_list_is_a_missing_parent() -> None:
    with pytest.raises(InvalidAncestors) as raised:
        validate_headers((), SHANGHAI_HEADERS)
    assert raised.value.exception is StatelessException.MISSING_PARENT_HEADER


def test_more_than_256_headers_are_refused(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 1) * (MAX_WITNESS_HEADERS + 1)
    with pytest.raises(InvalidAncestors) as raised:
        validate_headers(raw, SHANGHAI_HEADERS)
    assert raised.value.exception is StatelessException.TOO_MANY_HEADERS


def test_headers_are_not_sorted(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 3)
    with pytest.raises(InvalidAncestors) as raised:
        validate_headers(tuple(reversed(raw)), SHANGHAI_HEADERS)
    assert raised.value.exception is StatelessException.INVALID_ANCESTOR_CHAIN


def test_a_gap_breaks_the_chain(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 3)
    with pytest.raises(InvalidAncestors) as raised:
        validate_headers((raw[0], raw[2]), SHANGHAI_HEADERS)
    assert raised.value.exception is StatelessException.INVALID_ANCESTOR_CHAIN


def test_every_header_is_decoded_before_links_are_checked(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 2)
    with pytest.raises(InvalidAncestors) as raised:
        validate_headers((raw[1], raw[0], b"\xc0"), SHANGHAI_HEADERS)
    assert raised.value.exception is StatelessException.INVALID_HEADER_ENCODING


def test_previous_fork_header_shape_is_accepted(shanghai_chain) -> None:
    """A Cancun block's parent may be a 17-field Shanghai header."""
    raw = raw_headers(shanghai_chain, 2)
    with pytest.raises(InvalidAncestors):
        validate_headers(raw, (header_class_of(CancunVM),))
    chain = validate_headers(raw, (header_class_of(CancunVM), SHANGHAI_HEADERS[0]))
    assert chain.parent_header.block_number == shanghai_chain.head.block_number


# BLOCKHASH.


def test_blockhash_needs_the_ancestor_in_the_witness() -> None:
    chain = new_chain(ProtocolFork.Shanghai, ShanghaiVM, empty_blocks=4)
    case = make_input(chain, typical_transactions(chain, 2), header_count=3)
    assert verify_stateless_new_payload(case.stateless_input).successful_validation
    witness = case.stateless_input.witness
    short = replace(
        case.stateless_input, witness=replace(witness, headers=witness.headers[1:])
    )
    refusal = refusal_of(short)
    assert isinstance(refusal, InvalidAncestors)
    assert refusal.exception is StatelessException.MISSING_ANCESTOR_HEADER


def test_blockhash_of_genesis_is_served_and_nothing_lies_before_it() -> None:
    chain = new_chain(ProtocolFork.Shanghai, ShanghaiVM, empty_blocks=2)
    case = make_input(chain, typical_transactions(chain, 1), header_count=3)
    assert rlp.decode(case.stateless_input.witness.headers[0])[8] == b""  # genesis
    assert verify_stateless_new_payload(case.stateless_input).successful_validation


def ancestor_state(chain: AncestorChain, number: int):
    """Return a Shanghai state for block `number` that reads `chain`."""
    header = chain.parent_header.copy(block_number=number)
    context = ShanghaiVM.create_execution_context(
        header, chain.ancestor_hashes(), ChainContext(1)
    )
    return ShanghaiVM.get_state_class()(None, context, header.state_root)


def test_blockhash_window(shanghai_chain) -> None:
    raw = raw_headers(shanghai_chain, 2)
    chain = validate_headers(raw, SHANGHAI_HEADERS)
    parent_number = chain.parent_header.block_number
    state = ancestor_state(chain, parent_number + 1)
    assert state.get_ancestor_hash(parent_number) == chain.block_hashes[-1]
    assert state.get_ancestor_hash(parent_number - 1) == chain.block_hashes[-2]
    with pytest.raises(InvalidAncestors) as raised:
        state.get_ancestor_hash(parent_number - 2)
    assert raised.value.exception is StatelessException.MISSING_ANCESTOR_HEADER
    with pytest.raises(InvalidAncestors):  # asking again does not turn into zero
        state.get_ancestor_hash(parent_number - 2)
    far = ancestor_state(chain, parent_number + 300)
    assert far.get_ancestor_hash(parent_number + 300 - 257) == b""


# Header against parent.


@pytest.fixture(scope="module")
def cancun_pair() -> tuple[BlockHeaderAPI, BlockHeaderAPI]:
    """A Cancun header and its parent."""
    chain = new_chain(ProtocolFork.Cancun, CancunVM, empty_blocks=2)
    parent = chain.head
    return build_block(chain, []).header, parent


def check(header: BlockHeaderAPI, parent: BlockHeaderAPI) -> None:
    validate_header(vm_class_for(ProtocolFork.Cancun), header, parent, parent.hash)


def refused_with(header: BlockHeaderAPI, parent: BlockHeaderAPI) -> BlockException:
    with pytest.raises(InvalidBlock) as raised:
        check(header, parent)
    return raised.value.exception


def test_real_header_passes(cancun_pair) -> None:
    check(*cancun_pair)


def test_gas_limit_bounds(cancun_pair) -> None:
    header, parent = cancun_pair
    step = parent.gas_limit // GAS_LIMIT_ADJUSTMENT_FACTOR
    for gas_limit in (parent.gas_limit + step - 1, parent.gas_limit - step + 1):
        check(header.copy(gas_limit=gas_limit), parent)
    for gas_limit in (parent.gas_limit + step, parent.gas_limit - step):
        changed = header.copy(gas_limit=gas_limit)
        assert refused_with(changed, parent) is BlockException.INVALID_GASLIMIT


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"block_number": 0}, BlockException.INVALID_BLOCK_NUMBER),
        ("number + 1", BlockException.INVALID_BLOCK_NUMBER),
        ("parent timestamp", BlockException.INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT),
        ("base fee + 1", BlockException.INVALID_BASEFEE_PER_GAS),
        ("excess blob gas + 1", BlockException.INCORRECT_EXCESS_BLOB_GAS),
        ("gas used over limit", BlockException.GAS_USED_OVERFLOW),
        ({"extra_data": b"x" * 33}, BlockException.EXTRA_DATA_TOO_BIG),
        ({"difficulty": 1}, BlockException.INVALID_DIFFICULTY),
        ({"nonce": b"\x00" * 7 + b"\x01"}, BlockException.INVALID_NONCE),
        ({"uncles_hash": b"\x01" * 32}, BlockException.INVALID_UNCLES_HASH),
        ({"parent_hash": b"\x01" * 32}, BlockException.UNKNOWN_PARENT),
    ],
)
def test_header_rule_names(cancun_pair, changes, reason) -> None:
    header, parent = cancun_pair
    derived = {
        "number + 1": {"block_number": header.block_number + 1},
        "parent timestamp": {"timestamp": parent.timestamp},
        "base fee + 1": {"base_fee_per_gas": header.base_fee_per_gas + 1},
        "excess blob gas + 1": {"excess_blob_gas": header.excess_blob_gas + 1},
        "gas used over limit": {"gas_used": header.gas_limit + 1},
    }
    fields = derived[changes] if isinstance(changes, str) else changes
    assert refused_with(header.copy(**fields), parent) is reason


# Upstream (Amsterdam) header chains.


def upstream_inputs() -> list[tuple[str, StatelessInput]]:
    cases = json.loads(shared_file(UPSTREAM_VECTORS).read_text())["cases"]
    decoded = []
    for case in cases:
        if case["rule"] == "undecodable":
            continue
        data = bytes.fromhex(case["statelessInputBytes"].removeprefix("0x"))
        decoded.append((case["rule"], deserialize_stateless_input(data)))
    return decoded


def test_upstream_header_chains_decode() -> None:
    config = chain_config_for(1)
    shapes = ancestor_header_classes(ProtocolFork.Amsterdam, config)
    assert [len(shape._meta.field_names) for shape in shapes] == [23, 21]
    checked = 0
    for rule, stateless_input in upstream_inputs():
        headers = stateless_input.witness.headers
        payload = stateless_input.new_payload_request.execution_payload
        if rule == "Ancestors":
            with pytest.raises(InvalidAncestors) as raised:
                validate_headers(headers, shapes)
            assert raised.value.exception is StatelessException.MISSING_PARENT_HEADER
            continue
        chain = validate_headers(headers, shapes)
        linked = chain.parent_hash == payload.parent_hash
        consecutive = payload.block_number == chain.parent_header.block_number + 1
        # The one Header(Number) case leaves the parent out of the witness.
        assert linked == consecutive == (rule != "Header(Number)")
        checked += 1
    assert checked == 17
