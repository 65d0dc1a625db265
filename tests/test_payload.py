"""Payload to header and block: commitments, block hash, versioned hashes."""

import json
import random
from dataclasses import replace
from hashlib import sha256

import pytest
import rlp
from eth.vm.forks import ParisVM, ShanghaiVM
from eth.vm.forks.shanghai.withdrawals import Withdrawal as PyEvmWithdrawal
from trie import HexaryTrie

from guest.errors import InvalidPayload, StatelessException
from guest.payload import (
    block_from_payload,
    build_payload_header,
    compute_requests_hash,
    encode_execution_requests,
    header_class_of,
    trie_root,
)
from guest.schema import (
    ConsolidationRequest,
    DepositRequest,
    ExecutionRequests,
    NewPayloadRequest,
    ProtocolFork,
    WithdrawalRequest,
    deserialize_stateless_input,
)
from tests.conftest import UPSTREAM_VECTORS, shared_file
from tests.stateless_chain import (
    build_block,
    new_chain,
    recipient,
    request_of,
    transfer,
)


def payload_error(vm_class, request: NewPayloadRequest) -> StatelessException:
    with pytest.raises(InvalidPayload) as raised:
        block_from_payload(vm_class, request)
    return raised.value.exception


@pytest.fixture(scope="module")
def shanghai_block():
    """A Shanghai block with transfers and withdrawals, filled by py-evm."""
    chain = new_chain(ProtocolFork.Shanghai, ShanghaiVM, empty_blocks=1)
    transactions = [transfer(chain, i, recipient(i), 1) for i in range(3)]
    withdrawals = [
        PyEvmWithdrawal(i, 100 + i, recipient(50 + i), 10**9 * i) for i in range(3)
    ]
    return build_block(chain, transactions, withdrawals)


def test_header_rebuilt_from_payload_has_the_block_hash(shanghai_block) -> None:
    request = request_of(ProtocolFork.Shanghai, shanghai_block)
    header = build_payload_header(header_class_of(ShanghaiVM), request)
    assert header.withdrawals_root == shanghai_block.header.withdrawals_root
    assert header.transaction_root == shanghai_block.header.transaction_root
    assert header.hash == shanghai_block.hash
    block = block_from_payload(ShanghaiVM, request)
    assert block.transactions == shanghai_block.transactions
    assert block.withdrawals == shanghai_block.withdrawals


def test_paris_header_has_no_withdrawals_root() -> None:
    chain = new_chain(ProtocolFork.Paris, ParisVM, empty_blocks=1)
    block = build_block(chain, [transfer(chain, 0, recipient(0), 1)])
    request = request_of(ProtocolFork.Paris, block)
    assert request.execution_payload.withdrawals is None
    assert block_from_payload(ParisVM, request).hash == block.hash


def test_changed_field_is_a_block_hash_mismatch(shanghai_block) -> None:
    request = request_of(ProtocolFork.Shanghai, shanghai_block)
    payload = request.execution_payload
    for changes in (
        {"gas_used": payload.gas_used + 1},
        {"withdrawals": payload.withdrawals[:-1]},
        {"transactions": payload.transactions[::-1]},
    ):
        changed = replace(request, execution_payload=replace(payload, **changes))
        reason = payload_error(ShanghaiVM, changed)
        assert reason is StatelessException.BLOCK_HASH_MISMATCH


def test_empty_transaction_comes_first(shanghai_block) -> None:
    request = request_of(ProtocolFork.Shanghai, shanghai_block)
    payload = request.execution_payload
    changed = replace(payload, transactions=payload.transactions + (b"",))
    reason = payload_error(ShanghaiVM, replace(request, execution_payload=changed))
    assert reason is StatelessException.EMPTY_TRANSACTION


def test_malformed_transaction_is_refused(shanghai_block) -> None:
    """A transaction that no decoder accepts, in a payload whose hash is right."""
    request = request_of(ProtocolFork.Shanghai, shanghai_block)
    payload = request.execution_payload
    for bad in (b"\x7f\x01\x02", b"\xc1\x80", b"\x02\xc0"):
        changed = replace(payload, transactions=payload.transactions + (bad,))
        header = build_payload_header(
            header_class_of(ShanghaiVM), replace(request, execution_payload=changed)
        )
        changed = replace(changed, block_hash=header.hash)
        reason = payload_error(ShanghaiVM, replace(request, execution_payload=changed))
        assert reason is StatelessException.INVALID_TRANSACTION_ENCODING


def sample_requests() -> ExecutionRequests:
    deposit = DepositRequest(b"\x01" * 48, b"\x02" * 32, 32 * 10**9, b"\x03" * 96, 7)
    withdrawal = WithdrawalRequest(b"\x04" * 20, b"\x05" * 48, 5)
    return ExecutionRequests((deposit,), (withdrawal,), ())


def test_requests_hash_follows_eip_7685() -> None:
    """sha256 over sha256(type || data) of each non-empty request type."""
    deposit_data = (
        b"\x01" * 48
        + b"\x02" * 32
        + (32 * 10**9).to_bytes(8, "little")
        + b"\x03" * 96
        + (7).to_bytes(8, "little")
    )
    withdrawal_data = b"\x04" * 20 + b"\x05" * 48 + (5).to_bytes(8, "little")
    expected = sha256(
        sha256(b"\x00" + deposit_data).digest()
        + sha256(b"\x01" + withdrawal_data).digest()
    ).digest()
    encoded = encode_execution_requests(sample_requests())
    assert encoded == [b"\x00" + deposit_data, b"\x01" + withdrawal_data]
    assert compute_requests_hash(encoded) == expected
    nothing = ExecutionRequests((), (), ())
    empty_hash = compute_requests_hash(encode_execution_requests(nothing))
    assert empty_hash == sha256().digest()


def test_consolidation_request_layout() -> None:
    consolidation = ConsolidationRequest(b"\x06" * 20, b"\x07" * 48, b"\x08" * 48)
    requests = ExecutionRequests((), (), (consolidation,), (), ())
    assert encode_execution_requests(requests) == [
        b"\x02" + b"\x06" * 20 + b"\x07" * 48 + b"\x08" * 48
    ]


# Upstream (Amsterdam) payloads.


class AmsterdamShapes:
    """Stand in for the Amsterdam VM where only its block shapes are needed."""

    @classmethod
    def get_block_class(cls):
        return pytest.importorskip("guest.forks.amsterdam.blocks").AmsterdamBlock


def test_upstream_payloads() -> None:
    """Block hash, versioned hashes and decoding on the 21 decodable cases."""
    cases = json.loads(shared_file(UPSTREAM_VECTORS).read_text())["cases"]
    outcomes = {}
    for case in cases:
        if case["rule"] == "undecodable":
            continue
        data = bytes.fromhex(case["statelessInputBytes"].removeprefix("0x"))
        request = deserialize_stateless_input(data).new_payload_request
        try:
            block = block_from_payload(AmsterdamShapes, request)
        except InvalidPayload as refusal:
            outcomes[case["name"]] = (case["rule"], refusal.exception)
            continue
        assert block.hash == request.execution_payload.block_hash
        assert block.header.slot_number == request.execution_payload.slot_number
        outcomes[case["name"]] = (case["rule"], None)
    refused = {rule: reason for rule, reason in outcomes.values() if reason}
    assert refused == {
        "BlockHash": StatelessException.BLOCK_HASH_MISMATCH,
        "VersionedHashes": StatelessException.VERSIONED_HASHES_MISMATCH,
    }
    assert len(outcomes) == 18


def reference_trie_root(values: list[bytes]) -> bytes:
    """The same trie through the ``trie`` library's node database."""
    trie = HexaryTrie({})
    for index, value in enumerate(values):
        trie[rlp.encode(index)] = value
    return trie.root_hash


def test_ordered_trie_root_matches_the_trie_library() -> None:
    """Sizes across the one-byte/two-byte key boundary, embedded and hashed nodes."""
    generator = random.Random(1)
    for count in [*range(34), 127, 128, 129, 256, 257]:
        for longest in (3, 200):
            values = [
                generator.randbytes(generator.randint(1, longest)) for _ in range(count)
            ]
            assert trie_root(values) == reference_trie_root(values), (count, longest)
