"""
Amsterdam execution-layer requests.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

[EIP-7685] commits to the requests a block produces with
``requests_hash = sha256(sha256(r_1) || ... || sha256(r_k))`` over the
non-empty ``type || data`` entries in ascending type order. Amsterdam has
five types: deposits parsed from the deposit contract's logs ([EIP-6110]),
withdrawal requests ([EIP-7002]), consolidations ([EIP-7251]), and the
builder deposits and exits of [EIP-8282].

The same function serves both sides of the comparison: the requests the
block's execution produces, and the ``execution_requests`` of the payload,
which become ``type || concat(ssz(item))`` entries.

[EIP-6110]: https://eips.ethereum.org/EIPS/eip-6110
[EIP-7002]: https://eips.ethereum.org/EIPS/eip-7002
[EIP-7251]: https://eips.ethereum.org/EIPS/eip-7251
[EIP-7685]: https://eips.ethereum.org/EIPS/eip-7685
[EIP-8282]: https://eips.ethereum.org/EIPS/eip-8282
"""

from collections.abc import Iterable, Sequence
from hashlib import sha256

from eth.abc import LogAPI, ReceiptAPI

from ...errors import BlockException, InvalidBlock
from ...schema import (
    BUILDER_DEPOSIT_REQUEST,
    BUILDER_EXIT_REQUEST,
    CONSOLIDATION_REQUEST,
    DEPOSIT_REQUEST,
    WITHDRAWAL_REQUEST,
    ExecutionRequests,
)

DEPOSIT_REQUEST_TYPE = b"\x00"
WITHDRAWAL_REQUEST_TYPE = b"\x01"
CONSOLIDATION_REQUEST_TYPE = b"\x02"
BUILDER_DEPOSIT_REQUEST_TYPE = b"\x03"
BUILDER_EXIT_REQUEST_TYPE = b"\x04"

DEPOSIT_CONTRACT_ADDRESS = bytes.fromhex("00000000219ab540356cbb839cbe05303d7705fa")
DEPOSIT_EVENT_SIGNATURE_HASH = bytes.fromhex(
    "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5"
)

PUBKEY_SIZE = 48
WITHDRAWAL_CREDENTIALS_SIZE = 32
AMOUNT_SIZE = 8
SIGNATURE_SIZE = 96
INDEX_SIZE = 8
DEPOSIT_FIELD_SIZES = (
    PUBKEY_SIZE,
    WITHDRAWAL_CREDENTIALS_SIZE,
    AMOUNT_SIZE,
    SIGNATURE_SIZE,
    INDEX_SIZE,
)
"""Sizes of the five dynamic ``bytes`` arguments of ``DepositEvent``."""

DEPOSIT_EVENT_HEAD_SIZE = 32 * len(DEPOSIT_FIELD_SIZES)


def _padded(size: int) -> int:
    return (size + 31) // 32 * 32


def _expected_deposit_offsets() -> tuple[int, ...]:
    offsets = []
    position = DEPOSIT_EVENT_HEAD_SIZE
    for size in DEPOSIT_FIELD_SIZES:
        offsets.append(position)
        position += 32 + _padded(size)
    return tuple(offsets)


DEPOSIT_EVENT_OFFSETS = _expected_deposit_offsets()
"""ABI offsets of the five arguments: 160, 256, 320, 384, 512."""

DEPOSIT_EVENT_DATA_SIZE = DEPOSIT_EVENT_OFFSETS[-1] + 32 + _padded(INDEX_SIZE)
"""Total size of a well-formed ``DepositEvent`` data field: 576 bytes."""


def _word(data: bytes, position: int) -> int:
    return int.from_bytes(data[position : position + 32], "big")


def extract_deposit_data(data: bytes) -> bytes:
    """Turn one ``DepositEvent`` log's data into a 192-byte deposit request."""
    if len(data) != DEPOSIT_EVENT_DATA_SIZE:
        raise InvalidBlock(
            BlockException.INVALID_DEPOSIT_EVENT_LAYOUT,
            f"deposit event data has {len(data)} bytes",
        )
    request = b""
    for head, (offset, size) in enumerate(
        zip(DEPOSIT_EVENT_OFFSETS, DEPOSIT_FIELD_SIZES, strict=True)
    ):
        if _word(data, 32 * head) != offset:
            raise InvalidBlock(
                BlockException.INVALID_DEPOSIT_EVENT_LAYOUT,
                f"deposit event argument {head} has a wrong offset",
            )
        if _word(data, offset) != size:
            raise InvalidBlock(
                BlockException.INVALID_DEPOSIT_EVENT_LAYOUT,
                f"deposit event argument {head} has a wrong length",
            )
        request += data[offset + 32 : offset + 32 + size]
    return request


def is_deposit_event(log: LogAPI) -> bool:
    """Tell whether a log is a ``DepositEvent`` of the deposit contract."""
    return (
        log.address == DEPOSIT_CONTRACT_ADDRESS
        and len(log.topics) > 0
        and log.topics[0].to_bytes(32, "big") == DEPOSIT_EVENT_SIGNATURE_HASH
    )


def parse_deposit_requests(receipts: Iterable[ReceiptAPI]) -> bytes:
    """Collect the deposit requests of a block from its receipts' logs."""
    return b"".join(
        extract_deposit_data(log.data)
        for receipt in receipts
        for log in receipt.logs
        if is_deposit_event(log)
    )


def compute_requests_hash(requests: Sequence[bytes]) -> bytes:
    """Commit to the non-empty ``type || data`` requests, in the given order."""
    digest = sha256()
    for request in requests:
        if len(request) > 1:
            digest.update(sha256(request).digest())
    return digest.digest()


def encode_execution_requests(requests: ExecutionRequests) -> list[bytes]:
    """Flatten a payload's typed request lists into ``type || data`` entries."""
    typed_lists = (
        (DEPOSIT_REQUEST_TYPE, DEPOSIT_REQUEST, requests.deposits),
        (WITHDRAWAL_REQUEST_TYPE, WITHDRAWAL_REQUEST, requests.withdrawals),
        (CONSOLIDATION_REQUEST_TYPE, CONSOLIDATION_REQUEST, requests.consolidations),
        (
            BUILDER_DEPOSIT_REQUEST_TYPE,
            BUILDER_DEPOSIT_REQUEST,
            requests.builder_deposits or (),
        ),
        (BUILDER_EXIT_REQUEST_TYPE, BUILDER_EXIT_REQUEST, requests.builder_exits or ()),
    )
    return [
        request_type + b"".join(sedes.serialize(item) for item in items)
        for request_type, sedes, items in typed_lists
        if len(items) > 0
    ]
