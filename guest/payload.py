"""
From execution payload to block.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The request carries an execution payload, not a block. The guest rebuilds the
header the payload commits to (post-merge constants, the transaction and
withdrawal tries, the requests hash of [EIP-7685], the parent beacon block
root, and for Amsterdam the block-access-list hash and the slot number),
checks that it hashes to the payload's block hash, checks the blob versioned
hashes, and assembles the block the fork's VM executes.

The header is built generically: every field of the fork's header class is
looked up by name among the values the payload provides, so a fork whose
header gains a field only needs its value here.
"""

from collections.abc import Mapping, Sequence
from hashlib import sha256
from typing import Any

import rlp
from eth.abc import BlockAPI, BlockHeaderAPI, SignedTransactionAPI, VirtualMachineAPI
from eth_utils import keccak

from .errors import InvalidPayload, StatelessException
from .schema import ExecutionPayload, ExecutionRequests, NewPayloadRequest, Withdrawal

EMPTY_OMMERS_HASH = keccak(rlp.encode([]))
POST_MERGE_DIFFICULTY = 0
POST_MERGE_NONCE = b"\x00" * 8

DEPOSIT_REQUEST_TYPE = b"\x00"
WITHDRAWAL_REQUEST_TYPE = b"\x01"
CONSOLIDATION_REQUEST_TYPE = b"\x02"
BUILDER_DEPOSIT_REQUEST_TYPE = b"\x03"
BUILDER_EXIT_REQUEST_TYPE = b"\x04"

UINT64_SIZE = 8
HASH_SIZE = 32
BRANCH_WIDTH = 16
BLANK_ROOT_HASH = keccak(rlp.encode(b""))


def trie_root(values: Sequence[bytes]) -> bytes:
    """
    Return the root of the trie mapping ``rlp(index)`` to each value.

    The keys are known and few, so the trie is built bottom-up from the
    sorted keys, without a node database.
    """
    if not values:
        return BLANK_ROOT_HASH
    items = sorted(
        (_nibbles(rlp.encode(index)), value) for index, value in enumerate(values)
    )
    return keccak(rlp.encode(_trie_node(items, 0)))


def _nibbles(key: bytes) -> tuple[int, ...]:
    return tuple(nibble for byte in key for nibble in (byte >> 4, byte & 0x0F))


def _hex_prefix(nibbles: Sequence[int], is_leaf: bool) -> bytes:
    flag = 2 if is_leaf else 0
    if len(nibbles) % 2:
        packed = [flag + 1, *nibbles]
    else:
        packed = [flag, 0, *nibbles]
    return bytes(high << 4 | low for high, low in zip(packed[::2], packed[1::2]))


def _reference(node: list[Any]) -> Any:
    """Embed a node shorter than a hash in its parent, else refer to its hash."""
    encoded = rlp.encode(node)
    return node if len(encoded) < HASH_SIZE else keccak(encoded)


def _trie_node(items: Sequence[tuple[tuple[int, ...], bytes]], depth: int) -> list[Any]:
    """Build the node holding `items` (sorted, distinct keys) below `depth` nibbles."""
    first_key, first_value = items[0]
    if len(items) == 1:
        return [_hex_prefix(first_key[depth:], True), first_value]
    last_key = items[-1][0]
    shared = depth
    while (
        shared < len(first_key)
        and shared < len(last_key)
        and first_key[shared] == last_key[shared]
    ):
        shared += 1
    if shared > depth:
        child = _trie_node(items, shared)
        return [_hex_prefix(first_key[depth:shared], False), _reference(child)]
    branch: list[Any] = [b""] * (BRANCH_WIDTH + 1)
    groups: dict[int, list[tuple[tuple[int, ...], bytes]]] = {}
    for key, value in items:
        if len(key) == depth:
            branch[BRANCH_WIDTH] = value
        else:
            groups.setdefault(key[depth], []).append((key, value))
    for nibble, group in groups.items():
        branch[nibble] = _reference(_trie_node(group, depth + 1))
    return branch


def encode_withdrawal(withdrawal: Withdrawal) -> bytes:
    """Encode a withdrawal as the withdrawals trie stores it ([EIP-4895])."""
    return rlp.encode(
        [
            withdrawal.index,
            withdrawal.validator_index,
            withdrawal.address,
            withdrawal.amount,
        ]
    )


def _uint64(value: int) -> bytes:
    return value.to_bytes(UINT64_SIZE, "little")


def encode_execution_requests(requests: ExecutionRequests) -> list[bytes]:
    """Flatten the requests into ``type || data`` entries, in type order."""
    typed_data = [
        (
            DEPOSIT_REQUEST_TYPE,
            b"".join(
                d.pubkey
                + d.withdrawal_credentials
                + _uint64(d.amount)
                + d.signature
                + _uint64(d.index)
                for d in requests.deposits
            ),
        ),
        (
            WITHDRAWAL_REQUEST_TYPE,
            b"".join(
                w.source_address + w.validator_pubkey + _uint64(w.amount)
                for w in requests.withdrawals
            ),
        ),
        (
            CONSOLIDATION_REQUEST_TYPE,
            b"".join(
                c.source_address + c.source_pubkey + c.target_pubkey
                for c in requests.consolidations
            ),
        ),
        (
            BUILDER_DEPOSIT_REQUEST_TYPE,
            b"".join(
                b.pubkey + b.withdrawal_credentials + _uint64(b.amount) + b.signature
                for b in requests.builder_deposits or ()
            ),
        ),
        (
            BUILDER_EXIT_REQUEST_TYPE,
            b"".join(e.source_address + e.pubkey for e in requests.builder_exits or ()),
        ),
    ]
    return [request_type + data for request_type, data in typed_data if data]


def compute_requests_hash(requests: Sequence[bytes]) -> bytes:
    """Commit to the requests: sha256 over each non-empty entry's sha256."""
    outer = sha256()
    for request in requests:
        outer.update(sha256(request).digest())
    return outer.digest()


def payload_header_fields(request: NewPayloadRequest) -> dict[str, Any]:
    """
    Return every header value the request determines, by py-evm field name.

    Fields the request's fork lacks are left out, so the fork's header class
    decides which of them the header has.
    """
    payload = request.execution_payload
    fields: dict[str, Any] = {
        "parent_hash": payload.parent_hash,
        "uncles_hash": EMPTY_OMMERS_HASH,
        "coinbase": payload.fee_recipient,
        "state_root": payload.state_root,
        "transaction_root": trie_root(payload.transactions),
        "receipt_root": payload.receipts_root,
        "bloom": int.from_bytes(payload.logs_bloom, "big"),
        "difficulty": POST_MERGE_DIFFICULTY,
        "block_number": payload.block_number,
        "gas_limit": payload.gas_limit,
        "gas_used": payload.gas_used,
        "timestamp": payload.timestamp,
        "extra_data": payload.extra_data,
        "mix_hash": payload.prev_randao,
        "nonce": POST_MERGE_NONCE,
        "base_fee_per_gas": payload.base_fee_per_gas,
    }
    if payload.withdrawals is not None:
        fields["withdrawals_root"] = trie_root(
            [encode_withdrawal(w) for w in payload.withdrawals]
        )
    optional: Mapping[str, object | None] = {
        "blob_gas_used": payload.blob_gas_used,
        "excess_blob_gas": payload.excess_blob_gas,
        "parent_beacon_block_root": request.parent_beacon_block_root,
        "slot_number": payload.slot_number,
    }
    fields.update(
        {name: value for name, value in optional.items() if value is not None}
    )
    if request.execution_requests is not None:
        fields["requests_hash"] = compute_requests_hash(
            encode_execution_requests(request.execution_requests)
        )
    if payload.block_access_list is not None:
        fields["block_access_list_hash"] = keccak(payload.block_access_list)
    return fields


def header_class_of(vm_class: type[VirtualMachineAPI]) -> type[BlockHeaderAPI]:
    """Return the header class of the fork's block class."""
    block_class = vm_class.get_block_class()
    return dict(block_class._meta.fields)["header"]  # type: ignore[attr-defined]


def build_payload_header(
    header_class: type[BlockHeaderAPI], request: NewPayloadRequest
) -> BlockHeaderAPI:
    """Build the header the payload commits to, in the fork's header shape."""
    fields = payload_header_fields(request)
    names = header_class._meta.field_names  # type: ignore[attr-defined]
    missing = [name for name in names if name not in fields]
    if missing:
        raise InvalidPayload(
            StatelessException.BLOCK_HASH_MISMATCH,
            f"the payload has no value for header fields {missing}",
        )
    return header_class(**{name: fields[name] for name in names})


def check_no_empty_transaction(payload: ExecutionPayload) -> None:
    """Refuse a payload with an empty transaction, which no encoding allows."""
    if b"" in payload.transactions:
        index = payload.transactions.index(b"")
        raise InvalidPayload(
            StatelessException.EMPTY_TRANSACTION, f"transaction {index} is empty"
        )


def validate_block_hash(header: BlockHeaderAPI, payload: ExecutionPayload) -> None:
    """Check that the rebuilt header is the one the payload names."""
    if header.hash != payload.block_hash:
        raise InvalidPayload(
            StatelessException.BLOCK_HASH_MISMATCH,
            f"header hashes to 0x{header.hash.hex()}, "
            f"payload says 0x{payload.block_hash.hex()}",
        )


def decode_transactions(
    vm_class: type[VirtualMachineAPI], transactions: Sequence[bytes]
) -> tuple[SignedTransactionAPI, ...]:
    """Decode every transaction with the fork's builder ([EIP-2718])."""
    builder = vm_class.get_block_class().get_transaction_builder()
    decoded = []
    for index, encoded in enumerate(transactions):
        try:
            decoded.append(builder.decode(encoded))
        except Exception as error:
            raise InvalidPayload(
                StatelessException.INVALID_TRANSACTION_ENCODING,
                f"transaction {index}: {type(error).__name__}: {error}",
            ) from error
    return tuple(decoded)


def validate_versioned_hashes(
    transactions: Sequence[SignedTransactionAPI], versioned_hashes: Sequence[bytes]
) -> None:
    """Check the request's blob hashes against the blob transactions' ([EIP-4844])."""
    blob_hashes = [
        blob_hash
        for transaction in transactions
        for blob_hash in _blob_hashes(transaction)
    ]
    if blob_hashes != list(versioned_hashes):
        raise InvalidPayload(
            StatelessException.VERSIONED_HASHES_MISMATCH,
            f"{len(blob_hashes)} blob hashes in transactions, "
            f"{len(versioned_hashes)} in the request",
        )


def _blob_hashes(transaction: SignedTransactionAPI) -> Sequence[bytes]:
    try:
        return transaction.blob_versioned_hashes
    except (AttributeError, NotImplementedError):  # not a blob transaction
        return ()


def build_block(
    vm_class: type[VirtualMachineAPI],
    header: BlockHeaderAPI,
    transactions: Sequence[SignedTransactionAPI],
    withdrawals: Sequence[Withdrawal] | None,
) -> BlockAPI:
    """Assemble the block the fork's VM executes; post-merge blocks have no ommers."""
    block_class = vm_class.get_block_class()
    if withdrawals is None:
        return block_class(header, transactions=list(transactions), uncles=[])
    withdrawal_sedes = dict(block_class._meta.fields)["withdrawals"].element_sedes  # type: ignore[attr-defined]
    return block_class(
        header,
        transactions=list(transactions),
        uncles=[],
        withdrawals=[
            withdrawal_sedes(w.index, w.validator_index, w.address, w.amount)
            for w in withdrawals
        ],
    )


def block_from_payload(
    vm_class: type[VirtualMachineAPI], request: NewPayloadRequest
) -> BlockAPI:
    """
    Turn the request into the block it commits to, or refuse it.

    Order as in the execution-specs' ``execute_new_payload_request``: empty
    transaction, block hash, versioned hashes, then the block.
    """
    payload = request.execution_payload
    check_no_empty_transaction(payload)
    header = build_payload_header(header_class_of(vm_class), request)
    validate_block_hash(header, payload)
    transactions = decode_transactions(vm_class, payload.transactions)
    if request.versioned_hashes is not None:
        validate_versioned_hashes(transactions, request.versioned_hashes)
    return build_block(vm_class, header, transactions, payload.withdrawals)
