"""
Ancestor headers and header validation.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The witness carries the RLP of the block's ancestors, oldest first, the last
one being the parent. ``validate_headers`` decodes every one, hashes the raw
bytes and checks that each header names the one before it as its parent, in
the given order. The hashes serve ``BLOCKHASH``: an ancestor within the
256-block window that the witness lacks is a refusal, not a zero.

``validate_header`` checks the new block's header against its parent with
the rules of the block's fork, naming each failure as EEST does.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import rlp
from eth.abc import BlockHeaderAPI, VirtualMachineAPI
from eth_typing import Hash32
from eth_utils import keccak

from .errors import (
    BlockException,
    InvalidAncestors,
    InvalidBlock,
    Phase,
    StatelessException,
)
from .schema import MAX_EXTRA_DATA_BYTES, MAX_WITNESS_HEADERS

BLOCK_HASH_WINDOW = 256
"""How many ancestors ``BLOCKHASH`` can see."""

GAS_LIMIT_ADJUSTMENT_FACTOR = 1024
GAS_LIMIT_MINIMUM = 5000

POST_MERGE_DIFFICULTY = 0
POST_MERGE_NONCE = b"\x00" * 8
EMPTY_OMMERS_HASH = keccak(rlp.encode([]))


@dataclass(frozen=True)
class AncestorChain:
    """Hold the decoded ancestors and the hashes of their raw encodings."""

    headers: tuple[BlockHeaderAPI, ...]
    block_hashes: tuple[bytes, ...]

    @property
    def parent_header(self) -> BlockHeaderAPI:
        """Return the block's parent: the last header of the witness."""
        return self.headers[-1]

    @property
    def parent_hash(self) -> bytes:
        """Return the hash of the parent's raw encoding."""
        return self.block_hashes[-1]

    def ancestor_hashes(self) -> "AncestorHashes":
        """Return the hashes ``BLOCKHASH`` reads, the parent's first."""
        return AncestorHashes(self)


class AncestorHashes(Iterator[Hash32]):
    """
    Yield ancestor hashes from the parent backwards, then refuse.

    py-evm reads ``BLOCKHASH(n)`` as the n-th item of this iterator and
    treats exhaustion as "unknown hash, zero". Asking past the oldest
    witness header is a refusal instead, unless that header is the genesis
    block, which has no ancestor to ask for. Every further ``next`` raises
    again, so a cached iterator cannot turn the refusal into a zero.
    """

    def __init__(self, chain: AncestorChain) -> None:
        self._hashes = chain.block_hashes
        self._position = len(chain.block_hashes)
        self._oldest_number = chain.headers[0].block_number

    def __iter__(self) -> "AncestorHashes":
        return self

    def __next__(self) -> Hash32:
        if self._position > 0:
            self._position -= 1
            return Hash32(self._hashes[self._position])
        if self._oldest_number == 0:
            raise StopIteration
        raise InvalidAncestors(
            StatelessException.MISSING_ANCESTOR_HEADER,
            f"BLOCKHASH needs the header before block {self._oldest_number}",
            Phase.EXECUTION,
        )


def decode_header(
    raw_header: bytes, header_classes: Sequence[type[BlockHeaderAPI]]
) -> BlockHeaderAPI:
    """Decode a header as the first of `header_classes` whose RLP it fits."""
    for header_class in header_classes:
        try:
            return rlp.decode(raw_header, sedes=header_class)
        except rlp.exceptions.RLPException:
            continue
    raise InvalidAncestors(
        StatelessException.INVALID_HEADER_ENCODING,
        f"header 0x{keccak(raw_header).hex()} fits no header of the fork",
    )


def validate_headers(
    raw_headers: Sequence[bytes], header_classes: Sequence[type[BlockHeaderAPI]]
) -> AncestorChain:
    """
    Decode the witness headers and check that they form one chain.

    `header_classes` lists the header shapes an ancestor may have, the
    block's fork first (the parent of a fork's first block has the previous
    fork's shape). Headers are decoded before any link is checked, and the
    links are checked in the given order: the witness is oldest first.
    """
    if len(raw_headers) > MAX_WITNESS_HEADERS:
        raise InvalidAncestors(
            StatelessException.TOO_MANY_HEADERS,
            f"{len(raw_headers)} headers, at most {MAX_WITNESS_HEADERS}",
        )
    if not raw_headers:
        raise InvalidAncestors(
            StatelessException.MISSING_PARENT_HEADER, "the witness has no headers"
        )
    headers = tuple(decode_header(raw, header_classes) for raw in raw_headers)
    block_hashes = tuple(keccak(raw) for raw in raw_headers)
    for index in range(1, len(headers)):
        if headers[index].parent_hash != block_hashes[index - 1]:
            raise InvalidAncestors(
                StatelessException.INVALID_ANCESTOR_CHAIN,
                f"header {index} does not follow header {index - 1}",
            )
    return AncestorChain(headers, block_hashes)


def check_gas_limit(gas_limit: int, parent_gas_limit: int) -> bool:
    """Tell whether the gas limit moved by less than the allowed step."""
    max_adjustment_delta = parent_gas_limit // GAS_LIMIT_ADJUSTMENT_FACTOR
    if gas_limit >= parent_gas_limit + max_adjustment_delta:
        return False
    if gas_limit <= parent_gas_limit - max_adjustment_delta:
        return False
    return gas_limit >= GAS_LIMIT_MINIMUM


def expected_child_header(
    vm_class: type[VirtualMachineAPI],
    header: BlockHeaderAPI,
    parent_header: BlockHeaderAPI,
) -> BlockHeaderAPI:
    """Let the fork compute the parent-derived fields (base fee, blob gas)."""
    return vm_class.create_header_from_parent(
        parent_header,
        gas_limit=header.gas_limit,
        timestamp=header.timestamp,
        coinbase=header.coinbase,
    )


def _require(condition: bool, exception: BlockException, detail: str) -> None:
    if not condition:
        raise InvalidBlock(exception, detail, Phase.EXECUTION)


def validate_header(
    vm_class: type[VirtualMachineAPI],
    header: BlockHeaderAPI,
    parent_header: BlockHeaderAPI,
    parent_hash: bytes,
) -> None:
    """
    Check the block's header against its parent, in the execution-specs order.

    The base fee ([EIP-1559]) and the excess blob gas ([EIP-4844],
    [EIP-7918]) are whatever the fork's ``create_header_from_parent``
    computes, so a fork's VM class changes them in one place.
    """
    expected = expected_child_header(vm_class, header, parent_header)
    _require(header.block_number >= 1, BlockException.INVALID_BLOCK_NUMBER, "number 0")
    if hasattr(header, "excess_blob_gas"):
        _require(
            header.excess_blob_gas == expected.excess_blob_gas,
            BlockException.INCORRECT_EXCESS_BLOB_GAS,
            f"{header.excess_blob_gas} != {expected.excess_blob_gas}",
        )
    _require(
        header.gas_used <= header.gas_limit,
        BlockException.GAS_USED_OVERFLOW,
        f"gas used {header.gas_used} > limit {header.gas_limit}",
    )
    _require(
        check_gas_limit(header.gas_limit, parent_header.gas_limit),
        BlockException.INVALID_GASLIMIT,
        f"{header.gas_limit} after {parent_header.gas_limit}",
    )
    _require(
        header.base_fee_per_gas == expected.base_fee_per_gas,
        BlockException.INVALID_BASEFEE_PER_GAS,
        f"{header.base_fee_per_gas} != {expected.base_fee_per_gas}",
    )
    _require(
        header.timestamp > parent_header.timestamp,
        BlockException.INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT,
        f"{header.timestamp} <= {parent_header.timestamp}",
    )
    _require(
        header.block_number == parent_header.block_number + 1,
        BlockException.INVALID_BLOCK_NUMBER,
        f"{header.block_number} after {parent_header.block_number}",
    )
    _require(
        len(header.extra_data) <= MAX_EXTRA_DATA_BYTES,
        BlockException.EXTRA_DATA_TOO_BIG,
        f"{len(header.extra_data)} bytes",
    )
    _require(
        header.difficulty == POST_MERGE_DIFFICULTY,
        BlockException.INVALID_DIFFICULTY,
        str(header.difficulty),
    )
    _require(header.nonce == POST_MERGE_NONCE, BlockException.INVALID_NONCE, "non-zero")
    _require(
        header.uncles_hash == EMPTY_OMMERS_HASH,
        BlockException.INVALID_UNCLES_HASH,
        "not the empty list",
    )
    _require(
        header.parent_hash == parent_hash,
        BlockException.UNKNOWN_PARENT,
        "parent hash is not the last witness header",
    )
