"""
Stateless inputs from a node's JSON-RPC answers.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A node that serves ``debug_executionWitness`` (geth, reth) already did the
recording that ``guest.host.builder`` does: it returns
``{state, codes, keys, headers}``. ``stateless_input_from_rpc`` pairs that
witness with the block from ``eth_getBlockByNumber(number, true)`` (full
transactions) and forms the guest input. ``keys`` (the preimages of the
hashed trie paths) are not part of the guest's witness and are dropped.

Transactions may be given as raw hex (EIP-2718 bytes) or as the usual JSON
objects, which are re-encoded and checked against their ``hash``. Witness
headers may be RLP hex (reth) or header JSON objects (geth). The witness
state and codes are sorted and deduplicated; headers are ordered oldest
first.

A block from Prague on commits to its execution requests only through
``requestsHash``; the RPC block does not carry them, so they must be passed
in (``engine_getPayload`` returns them) unless the block has none.

[EIP-2718]: https://eips.ethereum.org/EIPS/eip-2718
"""

from collections.abc import Mapping, Sequence
from typing import Any

import rlp
from eth_utils import keccak

from ..forks.prague import compute_requests_hash
from ..schema import (
    ExecutionPayload,
    ExecutionWitness,
    NewPayloadRequest,
    ProtocolFork,
    StatelessInput,
    Withdrawal,
    schema_id_of,
)
from .builder import BuilderError, parse_execution_requests

BLOB_TRANSACTION_TYPE = 0x03
LEGACY_TRANSACTION_TYPE = 0x00

HEADER_FIELDS = (
    ("parentHash", bytes),
    ("sha3Uncles", bytes),
    ("miner", bytes),
    ("stateRoot", bytes),
    ("transactionsRoot", bytes),
    ("receiptsRoot", bytes),
    ("logsBloom", bytes),
    ("difficulty", int),
    ("number", int),
    ("gasLimit", int),
    ("gasUsed", int),
    ("timestamp", int),
    ("extraData", bytes),
    ("mixHash", bytes),
    ("nonce", bytes),
    ("baseFeePerGas", int),
    ("withdrawalsRoot", bytes),
    ("blobGasUsed", int),
    ("excessBlobGas", int),
    ("parentBeaconBlockRoot", bytes),
    ("requestsHash", bytes),
)
"""Header fields in RLP order, as JSON-RPC names them."""

ACCESS_LIST_FEE_FIELDS = ("gasPrice",)
DYNAMIC_FEE_FIELDS = ("maxPriorityFeePerGas", "maxFeePerGas")
EXECUTION_FIELDS = ("gas", "to", "value", "input", "accessList")


def typed_fields(fee_fields: tuple[str, ...], *extra: str) -> tuple[str, ...]:
    """List a typed transaction's fields: chain, nonce, fees, call, extras."""
    return ("chainId", "nonce", *fee_fields, *EXECUTION_FIELDS, *extra)


TRANSACTION_FIELDS: Mapping[int, tuple[str, ...]] = {
    0x01: typed_fields(ACCESS_LIST_FEE_FIELDS),
    0x02: typed_fields(DYNAMIC_FEE_FIELDS),
    0x03: typed_fields(DYNAMIC_FEE_FIELDS, "maxFeePerBlobGas", "blobVersionedHashes"),
    0x04: typed_fields(DYNAMIC_FEE_FIELDS, "authorizationList"),
}
"""Signed-payload fields of each typed transaction, before the signature."""

LEGACY_FIELDS = ("nonce", "gasPrice", "gas", "to", "value", "input", "v", "r", "s")
TYPED_SIGNATURE_FIELDS = ("yParity", "r", "s")
INTEGER_FIELDS = frozenset(
    {
        "chainId",
        "nonce",
        "gasPrice",
        "gas",
        "value",
        "maxPriorityFeePerGas",
        "maxFeePerGas",
        "maxFeePerBlobGas",
        "v",
        "r",
        "s",
        "yParity",
    }
)


def stateless_input_from_rpc(
    fork: ProtocolFork,
    chain_id: int,
    block: Mapping[str, Any],
    witness: Mapping[str, Any],
    execution_requests: Sequence[str] | None = None,
) -> StatelessInput:
    """Form the guest input from an RPC block and its execution witness."""
    transactions = tuple(encode_transaction(t) for t in block["transactions"])
    payload = _execution_payload(fork, block, transactions)
    request = _new_payload_request(
        fork, block, payload, transactions, execution_requests
    )
    return StatelessInput(
        new_payload_request=request,
        witness=execution_witness_from_rpc(witness, payload.parent_hash),
        chain_id=chain_id,
        schema_id=schema_id_of(fork),
    )


def execution_witness_from_rpc(
    witness: Mapping[str, Any], parent_hash: bytes
) -> ExecutionWitness:
    """Keep the state, codes and headers of a ``debug_executionWitness``."""
    headers = sorted(
        (_header_rlp(header) for header in witness.get("headers", [])),
        key=_header_number,
    )
    if not headers or keccak(headers[-1]) != parent_hash:
        raise BuilderError("the witness headers do not end with the block's parent")
    return ExecutionWitness(
        state=tuple(sorted({_bytes(node) for node in witness.get("state", [])})),
        codes=tuple(sorted({_bytes(code) for code in witness.get("codes", [])})),
        headers=tuple(headers),
    )


def encode_transaction(transaction: str | Mapping[str, Any]) -> bytes:
    """Return a transaction's EIP-2718 bytes, checking them against its hash."""
    if isinstance(transaction, str):
        return _bytes(transaction)
    kind = _int(transaction.get("type", "0x0"))
    if kind == LEGACY_TRANSACTION_TYPE:
        encoded = rlp.encode([_field(transaction, name) for name in LEGACY_FIELDS])
    elif kind in TRANSACTION_FIELDS:
        names = TRANSACTION_FIELDS[kind] + TYPED_SIGNATURE_FIELDS
        values = [_field(transaction, name) for name in names]
        encoded = bytes([kind]) + rlp.encode(values)
    else:
        raise BuilderError(f"transaction type {kind} is not known")
    expected = transaction.get("hash")
    if expected is not None and keccak(encoded) != _bytes(expected):
        raise BuilderError(f"transaction {expected} does not re-encode to its hash")
    return encoded


def header_rlp_from_json(header: Mapping[str, Any]) -> bytes:
    """Encode a JSON-RPC header, stopping at the fork's last field."""
    values: list[Any] = []
    for key, kind in HEADER_FIELDS:
        if key not in header:
            break
        values.append(_bytes(header[key]) if kind is bytes else _int(header[key]))
    return rlp.encode(values)


def _header_rlp(header: str | Mapping[str, Any]) -> bytes:
    return _bytes(header) if isinstance(header, str) else header_rlp_from_json(header)


def _header_number(header_rlp: bytes) -> int:
    return int.from_bytes(rlp.decode(header_rlp)[8], "big")


def _execution_payload(
    fork: ProtocolFork, block: Mapping[str, Any], transactions: tuple[bytes, ...]
) -> ExecutionPayload:
    has_blobs = fork >= ProtocolFork.Cancun
    return ExecutionPayload(
        parent_hash=_bytes(block["parentHash"]),
        fee_recipient=_bytes(block["miner"]),
        state_root=_bytes(block["stateRoot"]),
        receipts_root=_bytes(block["receiptsRoot"]),
        logs_bloom=_bytes(block["logsBloom"]),
        prev_randao=_bytes(block["mixHash"]),
        block_number=_int(block["number"]),
        gas_limit=_int(block["gasLimit"]),
        gas_used=_int(block["gasUsed"]),
        timestamp=_int(block["timestamp"]),
        extra_data=_bytes(block["extraData"]),
        base_fee_per_gas=_int(block["baseFeePerGas"]),
        block_hash=_bytes(block["hash"]),
        transactions=transactions,
        withdrawals=(
            tuple(_withdrawal(w) for w in block.get("withdrawals", []))
            if fork >= ProtocolFork.Shanghai
            else None
        ),
        blob_gas_used=_int(block["blobGasUsed"]) if has_blobs else None,
        excess_blob_gas=_int(block["excessBlobGas"]) if has_blobs else None,
    )


def _new_payload_request(
    fork: ProtocolFork,
    block: Mapping[str, Any],
    payload: ExecutionPayload,
    transactions: tuple[bytes, ...],
    execution_requests: Sequence[str] | None,
) -> NewPayloadRequest:
    if fork < ProtocolFork.Cancun:
        return NewPayloadRequest(payload)
    versioned_hashes = _versioned_hashes(transactions)
    beacon_root = _bytes(block["parentBeaconBlockRoot"])
    if fork < ProtocolFork.Prague:
        return NewPayloadRequest(payload, versioned_hashes, beacon_root)
    requests = [_bytes(r) for r in execution_requests or ()]
    if compute_requests_hash(requests) != _bytes(block["requestsHash"]):
        raise BuilderError(
            "the execution requests do not match the block's requestsHash "
            "(pass the block's requests)"
        )
    return NewPayloadRequest(
        payload, versioned_hashes, beacon_root, parse_execution_requests(requests)
    )


def _versioned_hashes(transactions: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Read the blob hashes out of raw blob transactions ([EIP-4844])."""
    blob_hashes_index = TRANSACTION_FIELDS[BLOB_TRANSACTION_TYPE].index(
        "blobVersionedHashes"
    )
    return tuple(
        versioned_hash
        for data in transactions
        if data[:1] == bytes([BLOB_TRANSACTION_TYPE])
        for versioned_hash in rlp.decode(data[1:])[blob_hashes_index]
    )


def _withdrawal(withdrawal: Mapping[str, Any]) -> Withdrawal:
    return Withdrawal(
        index=_int(withdrawal["index"]),
        validator_index=_int(withdrawal["validatorIndex"]),
        address=_bytes(withdrawal["address"]),
        amount=_int(withdrawal["amount"]),
    )


def _field(transaction: Mapping[str, Any], name: str) -> Any:
    value: Any = transaction.get(name)
    if name == "yParity" and value is None:
        value = transaction["v"]
    if name in INTEGER_FIELDS:
        return _int(value)
    if name == "to":
        return b"" if value is None else _bytes(value)
    if name == "accessList":
        return [
            [_bytes(item["address"]), [_bytes(key) for key in item["storageKeys"]]]
            for item in value or []
        ]
    if name == "authorizationList":
        return [
            [
                _int(auth["chainId"]),
                _bytes(auth["address"]),
                _int(auth["nonce"]),
                _int(auth.get("yParity", auth.get("v"))),
                _int(auth["r"]),
                _int(auth["s"]),
            ]
            for auth in value or []
        ]
    if name == "blobVersionedHashes":
        return [_bytes(h) for h in value]
    return _bytes(value)


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)


def _int(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)
