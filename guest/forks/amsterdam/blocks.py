"""
Amsterdam block header and block.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The Amsterdam header has 23 fields: the 21 of Prague/Osaka followed by
``block_access_list_hash`` ([EIP-7928]) and ``slot_number`` ([EIP-7843]).
Its ``gas_used`` is the larger of the block's execution and state gas
([EIP-8037]); the block body is unchanged (the access list is not part of
it).

The parent of the first Amsterdam block is a 21-field header; the header
chain validation decodes it with the previous fork's header class when the
Amsterdam layout fails (``guest/headers.py``).

[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-7843]: https://eips.ethereum.org/EIPS/eip-7843
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from abc import ABC
from typing import Any, cast

import rlp
from eth.abc import BlockHeaderAPI, ReceiptBuilderAPI, TransactionBuilderAPI
from eth.constants import (
    BLANK_ROOT_HASH,
    EMPTY_SHA256,
    EMPTY_UNCLE_HASH,
    GENESIS_PARENT_HASH,
    ZERO_ADDRESS,
    ZERO_HASH32,
)
from eth.vm.forks.prague.blocks import PragueBlock
from eth.vm.forks.prague.receipts import PragueReceiptBuilder
from eth.vm.forks.prague.transactions import PragueTransactionBuilder
from eth.vm.forks.shanghai.withdrawals import Withdrawal
from eth_typing import Address, BlockNumber, Hash32
from eth_utils import encode_hex, keccak
from rlp.exceptions import DeserializationError
from rlp.sedes import Binary, CountableList

POST_MERGE_NONCE = b"\x00" * 8
"""The proof-of-work nonce, zero since the merge."""

EMPTY_BLOCK_ACCESS_LIST_HASH = Hash32(keccak(rlp.encode([])))
"""Hash of the RLP encoding of an empty block access list (``0xc0``)."""


class UnsignedInt:
    """Encode an unsigned integer minimally, refusing values beyond its width."""

    def __init__(self, bits: int | None = None) -> None:
        self.bits = bits

    def serialize(self, value: int) -> bytes:
        """Encode ``value`` as minimal big-endian bytes (zero is empty)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise rlp.exceptions.SerializationError("not an unsigned int", value)
        if self.bits is not None and value >= 2**self.bits:
            raise rlp.exceptions.SerializationError("integer too wide", value)
        return value.to_bytes((value.bit_length() + 7) // 8, "big")

    def deserialize(self, serial: bytes) -> int:
        """Decode minimal big-endian bytes, refusing leading zeros and overflow."""
        if not isinstance(serial, bytes):
            raise DeserializationError("expected a byte string", serial)
        if serial[:1] == b"\x00":
            raise DeserializationError("integer with leading zero", serial)
        value = int.from_bytes(serial, "big")
        if self.bits is not None and value >= 2**self.bits:
            raise DeserializationError("integer too wide", serial)
        return value


class FixedBloom:
    """Encode the 256-byte logs bloom, kept as an integer as py-evm does."""

    def serialize(self, value: int) -> bytes:
        """Encode the bloom as exactly 256 big-endian bytes."""
        return value.to_bytes(256, "big")

    def deserialize(self, serial: bytes) -> int:
        """Decode exactly 256 bytes."""
        if not isinstance(serial, bytes) or len(serial) != 256:
            raise DeserializationError("bloom must be 256 bytes", serial)
        return int.from_bytes(serial, "big")


hash32 = Binary.fixed_length(32)
address = Binary.fixed_length(20)
nonce8 = Binary.fixed_length(8)
uint = UnsignedInt()
uint64 = UnsignedInt(64)
uint256 = UnsignedInt(256)


AMSTERDAM_HEADER_FIELDS: list[tuple[str, Any]] = [
    ("parent_hash", hash32),
    ("uncles_hash", hash32),
    ("coinbase", address),
    ("state_root", hash32),
    ("transaction_root", hash32),
    ("receipt_root", hash32),
    ("bloom", FixedBloom()),
    ("difficulty", uint),
    ("block_number", uint),
    ("gas_limit", uint),
    ("gas_used", uint),
    ("timestamp", uint256),
    ("extra_data", Binary()),
    ("mix_hash", hash32),
    ("nonce", nonce8),
    ("base_fee_per_gas", uint),
    ("withdrawals_root", hash32),
    ("blob_gas_used", uint64),
    ("excess_blob_gas", uint64),
    ("parent_beacon_block_root", hash32),
    ("requests_hash", hash32),
    ("block_access_list_hash", hash32),
    ("slot_number", uint64),
]
"""The 23 header fields, in RLP order (py-evm names for the shared ones)."""


class PostMergeHeader:
    """Give a header its hash and the post-merge answers py-evm asks for."""

    parent_hash: Hash32
    block_number: BlockNumber

    def __str__(self) -> str:
        """Show the number and the start of the hash."""
        return f"<{type(self).__name__} #{self.block_number} {self.hex_hash[2:10]}>"

    _hash: Hash32 | None = None

    @property
    def hash(self) -> Hash32:
        """Return ``keccak256(rlp(header))``, the block hash."""
        if self._hash is None:
            self._hash = Hash32(keccak(rlp.encode(self)))
        return cast(Hash32, self._hash)

    @property
    def mining_hash(self) -> Hash32:
        """Refuse: there is no proof-of-work seal after the merge."""
        raise ValueError("Mining hash is not available post merge.")

    @property
    def hex_hash(self) -> str:
        """Return the block hash as 0x-prefixed hex."""
        return encode_hex(self.hash)

    @property
    def is_genesis(self) -> bool:
        """Tell whether this is a genesis header."""
        return self.parent_hash == GENESIS_PARENT_HASH and self.block_number == 0


class AmsterdamBlockHeader(PostMergeHeader, rlp.Serializable, BlockHeaderAPI, ABC):
    """Carry the 23 header fields of an Amsterdam block."""

    fields = AMSTERDAM_HEADER_FIELDS

    def __init__(
        self,
        difficulty: int,
        block_number: int,
        gas_limit: int,
        timestamp: int,
        coinbase: Address = ZERO_ADDRESS,
        parent_hash: Hash32 = ZERO_HASH32,
        uncles_hash: Hash32 = EMPTY_UNCLE_HASH,
        state_root: Hash32 = BLANK_ROOT_HASH,
        transaction_root: Hash32 = BLANK_ROOT_HASH,
        receipt_root: Hash32 = BLANK_ROOT_HASH,
        bloom: int = 0,
        gas_used: int = 0,
        extra_data: bytes = b"",
        mix_hash: Hash32 = ZERO_HASH32,
        nonce: bytes = POST_MERGE_NONCE,
        base_fee_per_gas: int = 0,
        withdrawals_root: Hash32 = BLANK_ROOT_HASH,
        blob_gas_used: int = 0,
        excess_blob_gas: int = 0,
        parent_beacon_block_root: Hash32 = ZERO_HASH32,
        requests_hash: Hash32 = EMPTY_SHA256,
        block_access_list_hash: Hash32 = EMPTY_BLOCK_ACCESS_LIST_HASH,
        slot_number: int = 0,
    ) -> None:
        super().__init__(
            parent_hash=parent_hash,
            uncles_hash=uncles_hash,
            coinbase=coinbase,
            state_root=state_root,
            transaction_root=transaction_root,
            receipt_root=receipt_root,
            bloom=bloom,
            difficulty=difficulty,
            block_number=block_number,
            gas_limit=gas_limit,
            gas_used=gas_used,
            timestamp=timestamp,
            extra_data=extra_data,
            mix_hash=mix_hash,
            nonce=nonce,
            base_fee_per_gas=base_fee_per_gas,
            withdrawals_root=withdrawals_root,
            blob_gas_used=blob_gas_used,
            excess_blob_gas=excess_blob_gas,
            parent_beacon_block_root=parent_beacon_block_root,
            requests_hash=requests_hash,
            block_access_list_hash=block_access_list_hash,
            slot_number=slot_number,
        )


class AmsterdamBlock(PragueBlock):
    """Carry an Amsterdam block: 23-field header, transactions, withdrawals."""

    transaction_builder: type[TransactionBuilderAPI] = PragueTransactionBuilder
    receipt_builder: type[ReceiptBuilderAPI] = PragueReceiptBuilder
    fields = [
        ("header", AmsterdamBlockHeader),
        ("transactions", CountableList(transaction_builder)),
        ("uncles", CountableList(None, max_length=0)),
        ("withdrawals", CountableList(Withdrawal)),
    ]
