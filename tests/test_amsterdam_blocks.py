"""Amsterdam header and block processing against the upstream v21.0.1 vectors."""

import json

import pytest
import rlp
from eth_utils import keccak

from guest.forks import vm_class_for
from guest.forks.amsterdam import AmsterdamVM
from guest.forks.amsterdam.blocks import (
    EMPTY_BLOCK_ACCESS_LIST_HASH,
    AmsterdamBlockHeader,
)
from guest.payload import build_payload_header, header_class_of
from guest.schema import ProtocolFork, deserialize_stateless_input
from guest.stateless_guest import run_stateless_guest_with_verdict
from tests.conftest import UPSTREAM_VECTORS, shared_file

# The vectors' ``rule`` (a third party's classification) and the reason our
# guest gives for the same refusal; spec/amsterdam.md has the same table.
REASON_FOR_RULE = {
    "valid": None,
    "AccessList": "BlockException.INVALID_BLOCK_ACCESS_LIST",
    "Ancestors": "StatelessException.MISSING_PARENT_HEADER",
    "BlobGasUsed": "BlockException.INCORRECT_BLOB_GAS_USED",
    "BlockHash": "StatelessException.BLOCK_HASH_MISMATCH",
    "ChainId(0)": "TransactionException.INVALID_CHAINID",
    "Deposits": "BlockException.INVALID_DEPOSIT_EVENT_LAYOUT",
    "Execution(0)": "TransactionException.INTRINSIC_GAS_TOO_LOW",
    "Header(BaseFee)": "BlockException.INVALID_BASEFEE_PER_GAS",
    "Header(ExcessBlobGas)": "BlockException.INCORRECT_EXCESS_BLOB_GAS",
    "Header(GasLimit)": "BlockException.INVALID_GASLIMIT",
    "Header(Number)": "BlockException.INVALID_BLOCK_NUMBER",
    "Signature(0)": "TransactionException.INVALID_SIGNATURE_VRS",
    "Transaction(0)": "TransactionException.INVALID_SIGNATURE_VRS",
    "VersionedHashes": "StatelessException.VERSIONED_HASHES_MISMATCH",
}


def upstream_cases() -> list[dict[str, str]]:
    if not UPSTREAM_VECTORS.exists():
        return []
    return json.loads(UPSTREAM_VECTORS.read_text())["cases"]


def decodable_cases() -> list[dict[str, str]]:
    return [case for case in upstream_cases() if case["rule"] != "undecodable"]


def case_id(case: dict[str, str]) -> str:
    return case["name"].split("::")[-1][:80]


def stateless_input(case: dict[str, str]):
    return deserialize_stateless_input(bytes.fromhex(case["statelessInputBytes"][2:]))


@pytest.fixture(autouse=True)
def _needs_shared() -> None:
    shared_file(UPSTREAM_VECTORS)


def test_registry_selects_amsterdam():
    assert issubclass(vm_class_for(ProtocolFork.Amsterdam), AmsterdamVM)
    assert header_class_of(AmsterdamVM) is AmsterdamBlockHeader


@pytest.mark.parametrize("case", decodable_cases(), ids=case_id)
def test_witness_headers_round_trip(case):
    for raw in stateless_input(case).witness.headers:
        header = rlp.decode(raw, sedes=AmsterdamBlockHeader)
        assert rlp.encode(header) == raw
        assert header.hash == keccak(raw)


@pytest.mark.parametrize("case", decodable_cases(), ids=case_id)
def test_block_hash_from_payload(case):
    request = stateless_input(case).new_payload_request
    header = build_payload_header(AmsterdamBlockHeader, request)
    matches = header.hash == request.execution_payload.block_hash
    assert matches == (case["rule"] != "BlockHash")
    assert header.block_access_list_hash == keccak(
        request.execution_payload.block_access_list
    )
    assert header.slot_number == request.execution_payload.slot_number


@pytest.mark.parametrize("case", upstream_cases(), ids=case_id)
def test_upstream_output_and_reason(case):
    verdict = run_stateless_guest_with_verdict(
        bytes.fromhex(case["statelessInputBytes"][2:])
    )
    assert "0x" + verdict.output.hex() == case["statelessOutputBytes"]
    if case["rule"] == "undecodable":
        assert verdict.status == "undecodable"
    elif case["rule"] == "valid":
        assert verdict.refusal is None
    else:
        assert verdict.refusal is not None
        assert verdict.refusal.reason == REASON_FOR_RULE[case["rule"]]


def test_every_rule_has_a_reason():
    rules = {case["rule"] for case in decodable_cases()}
    assert rules <= set(REASON_FOR_RULE)


def header(**fields) -> AmsterdamBlockHeader:
    defaults = dict(difficulty=0, block_number=1, gas_limit=30_000_000, timestamp=12)
    return AmsterdamBlockHeader(**{**defaults, **fields})


def test_header_has_23_fields_in_order():
    encoded = rlp.decode(rlp.encode(header(slot_number=5)))
    assert len(encoded) == 23
    assert encoded[21] == EMPTY_BLOCK_ACCESS_LIST_HASH
    assert encoded[22] == b"\x05"
    assert EMPTY_BLOCK_ACCESS_LIST_HASH == keccak(b"\xc0")


def test_header_decoding_is_strict():
    fields = rlp.decode(rlp.encode(header(slot_number=1)))
    with pytest.raises(rlp.exceptions.RLPException):
        rlp.decode(rlp.encode(fields[:21]), sedes=AmsterdamBlockHeader)
    non_minimal = fields[:22] + [b"\x00\x01"]
    with pytest.raises(rlp.exceptions.RLPException):
        rlp.decode(rlp.encode(non_minimal), sedes=AmsterdamBlockHeader)
    too_wide = fields[:22] + [b"\x01" + b"\x00" * 8]
    with pytest.raises(rlp.exceptions.RLPException):
        rlp.decode(rlp.encode(too_wide), sedes=AmsterdamBlockHeader)
    short_coinbase = fields[:2] + [b"\x01" * 19] + fields[3:]
    with pytest.raises(rlp.exceptions.RLPException):
        rlp.decode(rlp.encode(short_coinbase), sedes=AmsterdamBlockHeader)


def test_child_header_keeps_amsterdam_fields():
    parent = header(gas_used=15_000_000, base_fee_per_gas=1_000, slot_number=7)
    child = AmsterdamVM.create_header_from_parent(
        parent, timestamp=24, gas_limit=30_000_000, slot_number=8
    )
    assert isinstance(child, AmsterdamBlockHeader)
    assert child.parent_hash == parent.hash
    assert child.slot_number == 8
    assert child.base_fee_per_gas == 1_000


def test_gas_used_commitment_is_compared_first_and_bal_last():
    names = [name for name, _ in AmsterdamVM.header_commitments]
    assert names[0] == "gas_used"
    assert names[-1] == "block_access_list_hash"


def test_transition_parent_has_the_previous_fork_layout():
    from guest.chain_config import default_chain_config
    from guest.headers import validate_headers
    from guest.stateless import ancestor_header_classes

    amsterdam_fields = rlp.decode(
        rlp.encode(
            header(
                gas_used=10_000_000,
                base_fee_per_gas=1_000,
                blob_gas_used=3 * 2**17,
                excess_blob_gas=14 * 2**17,
            )
        )
    )
    raw_parent = rlp.encode(amsterdam_fields[:21])
    classes = ancestor_header_classes(ProtocolFork.Amsterdam, default_chain_config(1))
    (parent,) = validate_headers([raw_parent], classes).headers
    assert not isinstance(parent, AmsterdamBlockHeader)
    assert parent.hash == keccak(raw_parent)
    child = AmsterdamVM.create_header_from_parent(
        parent, timestamp=24, gas_limit=30_000_000
    )
    assert isinstance(child, AmsterdamBlockHeader)
    assert child.parent_hash == keccak(raw_parent)
    # BPO2 (target 14, max 21): 2**13 * 1_000 > 2**17 * blob price 1, so the
    # EIP-7918 branch adds used * (21 - 14) // 21 to the excess.
    assert child.excess_blob_gas == 14 * 2**17 + 3 * 2**17 * 7 // 21


# Refusals of the block side, from a valid upstream vector whose payload is
# changed and whose block hash is recomputed so that only the change is wrong.


def resealed(stateless, **payload_changes):
    from dataclasses import replace

    from guest.schema import serialize_stateless_input

    request = stateless.new_payload_request
    payload = replace(request.execution_payload, **payload_changes)
    request = replace(request, execution_payload=payload)
    header = build_payload_header(AmsterdamBlockHeader, request)
    payload = replace(payload, block_hash=header.hash)
    request = replace(request, execution_payload=payload)
    return serialize_stateless_input(replace(stateless, new_payload_request=request))


def valid_cases() -> list[dict[str, str]]:
    return [case for case in upstream_cases() if case["rule"] == "valid"]


def refusal_of(data: bytes) -> str:
    verdict = run_stateless_guest_with_verdict(data)
    assert verdict.output[32] == 0  # successful_validation
    assert verdict.refusal is not None
    return verdict.refusal.reason


@pytest.mark.parametrize("case", valid_cases(), ids=case_id)
def test_changed_block_access_list_is_refused(case):
    from guest.forks.amsterdam.block_access_list import (
        decode_block_access_list,
        encode_block_access_list,
    )

    stateless = stateless_input(case)
    bal = decode_block_access_list(
        stateless.new_payload_request.execution_payload.block_access_list
    )
    for changed in (bal[:-1], bal[1:], bal + bal[-1:]):
        data = resealed(stateless, block_access_list=encode_block_access_list(changed))
        assert refusal_of(data) == "BlockException.INVALID_BLOCK_ACCESS_LIST"


@pytest.mark.parametrize("case", valid_cases(), ids=case_id)
def test_changed_gas_used_is_refused(case):
    stateless = stateless_input(case)
    gas_used = stateless.new_payload_request.execution_payload.gas_used
    data = resealed(stateless, gas_used=gas_used + 1)
    assert refusal_of(data) == "BlockException.INVALID_GAS_USED"


@pytest.mark.parametrize("case", valid_cases(), ids=case_id)
def test_unproduced_builder_request_is_refused(case):
    from dataclasses import replace

    from guest.schema import BuilderExitRequest, serialize_stateless_input

    stateless = stateless_input(case)
    request = stateless.new_payload_request
    requests = replace(
        request.execution_requests,
        builder_exits=(BuilderExitRequest(b"\x01" * 20, b"\x02" * 48),),
    )
    request = replace(request, execution_requests=requests)
    header = build_payload_header(AmsterdamBlockHeader, request)
    payload = replace(request.execution_payload, block_hash=header.hash)
    request = replace(request, execution_payload=payload)
    data = serialize_stateless_input(replace(stateless, new_payload_request=request))
    assert refusal_of(data) == "BlockException.INVALID_REQUESTS"
