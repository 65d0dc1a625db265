"""Strict SSZ sedes for the stateless guest.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The `ssz` package provides the basic sedes (unsigned integers, booleans,
byte vectors) and the generic ``Container``, ``List`` and ``ByteList``.
The guest input needs more than that:

- the progressive types of [EIP-7916] (``ProgressiveList``,
  ``ProgressiveByteList``) and [EIP-7495] (``ProgressiveContainer``), whose
  serialization is ordinary SSZ but whose merkleization is not;
- strict, canonical decoding: every offset checked, no trailing bytes, every
  limit enforced, so that a byte string has at most one meaning;
- fixes for two ``ByteList`` defects of `ssz` 0.6.0 (an over-long value
  raises ``AttributeError``, and a list of byte lists cannot be hashed).

Decoded containers are plain dataclasses, so that the rest of the guest reads
``payload.block_hash`` rather than tuple indices.

[EIP-7916]: https://eips.ethereum.org/EIPS/eip-7916
[EIP-7495]: https://eips.ethereum.org/EIPS/eip-7495
"""

from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from typing import Any

from eth_typing import Hash32
from ssz.exceptions import DeserializationError, SerializationError
from ssz.sedes import ByteList, Container, List
from ssz.sedes.base import BaseSedes

BYTES_PER_CHUNK = 32
BYTES_PER_OFFSET = 4
ZERO_CHUNK = b"\x00" * BYTES_PER_CHUNK
PROGRESSIVE_SUBTREE_GROWTH = 4
MAX_MERKLE_DEPTH = 64
UNBOUNDED_LENGTH = 2**32


def hash_pair(left: bytes, right: bytes) -> Hash32:
    """Hash two merkle nodes into their parent."""
    return Hash32(sha256(left + right).digest())


def _zero_hashes() -> tuple[Hash32, ...]:
    hashes = [Hash32(ZERO_CHUNK)]
    for _ in range(MAX_MERKLE_DEPTH):
        hashes.append(hash_pair(hashes[-1], hashes[-1]))
    return tuple(hashes)


ZERO_HASHES = _zero_hashes()


def pack_bytes(data: bytes) -> list[bytes]:
    """Split bytes into 32-byte chunks, zero-padding the last one."""
    chunks = [
        data[start : start + BYTES_PER_CHUNK]
        for start in range(0, len(data), BYTES_PER_CHUNK)
    ]
    if chunks and len(chunks[-1]) < BYTES_PER_CHUNK:
        chunks[-1] = chunks[-1].ljust(BYTES_PER_CHUNK, b"\x00")
    return chunks


def merkleize(chunks: Sequence[bytes], limit: int) -> Hash32:
    """Compute the root of a balanced tree of `limit` leaves (zero-padded)."""
    if len(chunks) > limit:
        raise SerializationError(f"{len(chunks)} chunks exceed the limit {limit}")
    depth = max(limit - 1, 0).bit_length()
    if not chunks:
        return ZERO_HASHES[depth]
    layer = [Hash32(chunk) for chunk in chunks]
    for level in range(depth):
        if len(layer) % 2 == 1:
            layer.append(ZERO_HASHES[level])
        layer = [
            hash_pair(layer[index], layer[index + 1])
            for index in range(0, len(layer), 2)
        ]
    return layer[0]


def merkleize_progressive(chunks: Sequence[bytes], num_leaves: int = 1) -> Hash32:
    """Compute the root of a progressive tree ([EIP-7916]).

    Subtrees hold 1, 4, 16, ... leaves, so that appending never moves an
    existing leaf to another generalized index.
    """
    if not chunks:
        return ZERO_HASHES[0]
    rest = merkleize_progressive(
        chunks[num_leaves:], num_leaves * PROGRESSIVE_SUBTREE_GROWTH
    )
    return hash_pair(merkleize(chunks[:num_leaves], num_leaves), rest)


def mix_in_length(root: bytes, length: int) -> Hash32:
    """Bind a list root to the list's length."""
    return hash_pair(root, length.to_bytes(BYTES_PER_CHUNK, "little"))


def mix_in_active_fields(root: bytes, active_fields: Sequence[bool]) -> Hash32:
    """Bind a progressive container root to its active-field bitvector."""
    bits = sum(1 << index for index, active in enumerate(active_fields) if active)
    return hash_pair(root, bits.to_bytes(BYTES_PER_CHUNK, "little"))


def read_offset(data: bytes, position: int) -> int:
    """Read the little-endian 4-byte offset at `position`."""
    return int.from_bytes(data[position : position + BYTES_PER_OFFSET], "little")


def check_offsets(offsets: Sequence[int], first: int, size: int) -> None:
    """Reject offsets that do not tile the variable part exactly."""
    if offsets[0] != first:
        raise DeserializationError(
            f"first offset is {offsets[0]}, expected the fixed size {first}"
        )
    for previous, current in zip(offsets, offsets[1:]):
        if current < previous:
            raise DeserializationError(f"offset {current} decreases from {previous}")
    if offsets[-1] > size:
        raise DeserializationError(f"offset {offsets[-1]} is past the end ({size})")


def split_by_offsets(data: bytes, offsets: Sequence[int]) -> list[bytes]:
    """Cut the variable part into the slices that the offsets delimit."""
    ends = list(offsets[1:]) + [len(data)]
    return [data[start:end] for start, end in zip(offsets, ends)]


def is_fixed_size(sedes: BaseSedes) -> bool:
    """Tell whether every value of `sedes` serializes to the same length."""
    return bool(sedes.is_fixed_sized)


class StrictByteList(ByteList):
    """
    ``ByteList[N]`` with its length limit enforced in both directions.

    `ssz` types ``ByteList`` as a list of byte strings, so the overrides that
    take or return plain ``bytes`` are marked as deliberate overrides.
    """

    def __init__(self, max_length: int) -> None:
        super().__init__(max_length)

    @property
    def length(self) -> int:
        """Return the limit; `ssz` 0.6.0 reads this missing attribute."""
        return int(self.max_length)

    def serialize(self, value: bytes | bytearray) -> bytes:  # type: ignore[override]
        """Serialize a byte string, refusing one over the limit."""
        if len(value) > self.max_length:
            raise SerializationError(
                f"{len(value)} bytes exceed ByteList[{self.max_length}]"
            )
        return bytes(value)

    def deserialize(self, data: bytes) -> bytes:  # type: ignore[override]
        """Decode a byte string, refusing one over the limit."""
        if len(data) > self.max_length:
            raise DeserializationError(
                f"{len(data)} bytes exceed ByteList[{self.max_length}]"
            )
        return bytes(data)

    def get_hash_tree_root(self, value: bytes) -> Hash32:  # type: ignore[override]
        """Merkleize the bytes up to the limit, then mix in the length."""
        chunk_limit = (self.max_length + BYTES_PER_CHUNK - 1) // BYTES_PER_CHUNK
        return mix_in_length(merkleize(pack_bytes(value), chunk_limit), len(value))

    def get_hash_tree_root_and_leaves(self, value: bytes, cache: Any) -> Any:  # type: ignore[override]
        """Hash without the leaf cache that `ssz` 0.6.0 lacks for byte lists."""
        return self.get_hash_tree_root(value), cache

    def get_sedes_id(self) -> str:
        """Name the sedes, using the limit rather than a missing attribute."""
        return f"{type(self).__name__}{self.max_length}"


class ProgressiveByteList(StrictByteList):
    """``ProgressiveByteList`` of [EIP-7916]: unbounded, progressively hashed."""

    def __init__(self) -> None:
        super().__init__(UNBOUNDED_LENGTH)

    def get_hash_tree_root(self, value: bytes) -> Hash32:  # type: ignore[override]
        """Merkleize the bytes progressively, then mix in the length."""
        return mix_in_length(merkleize_progressive(pack_bytes(value)), len(value))


class StrictList(List):
    """``List[T, N]`` decoded strictly into a tuple."""

    def __init__(self, element_sedes: BaseSedes, max_length: int) -> None:
        super().__init__(element_sedes, max_length)

    def serialize(self, value: Sequence[Any]) -> bytes:
        """Serialize the items, with an offset table for variable-size ones."""
        if len(value) > self.max_length:
            raise SerializationError(f"{len(value)} items exceed the limit")
        parts = [self.element_sedes.serialize(item) for item in value]
        if is_fixed_size(self.element_sedes):
            return b"".join(parts)
        offsets = []
        position = BYTES_PER_OFFSET * len(parts)
        for part in parts:
            offsets.append(position.to_bytes(BYTES_PER_OFFSET, "little"))
            position += len(part)
        return b"".join(offsets) + b"".join(parts)

    def deserialize(self, data: bytes) -> tuple[Any, ...]:
        """Decode the items, rejecting any non-canonical layout."""
        if is_fixed_size(self.element_sedes):
            items = self._split_fixed(data)
        else:
            items = self._split_variable(data)
        if len(items) > self.max_length:
            raise DeserializationError(
                f"{len(items)} items exceed the limit {self.max_length}"
            )
        return tuple(self.element_sedes.deserialize(item) for item in items)

    def _split_fixed(self, data: bytes) -> list[bytes]:
        size = self.element_sedes.get_fixed_size()
        if len(data) % size != 0:
            raise DeserializationError(
                f"{len(data)} bytes are not a multiple of the item size {size}"
            )
        return [data[start : start + size] for start in range(0, len(data), size)]

    def _split_variable(self, data: bytes) -> list[bytes]:
        if not data:
            return []
        if len(data) < BYTES_PER_OFFSET:
            raise DeserializationError("list is shorter than one offset")
        first = read_offset(data, 0)
        if first == 0 or first % BYTES_PER_OFFSET != 0:
            raise DeserializationError(f"invalid first list offset {first}")
        if first > len(data):
            raise DeserializationError(f"offset {first} is past the end ({len(data)})")
        count = first // BYTES_PER_OFFSET
        if count > self.max_length:
            raise DeserializationError(
                f"{count} items exceed the limit {self.max_length}"
            )
        offsets = [read_offset(data, BYTES_PER_OFFSET * i) for i in range(count)]
        check_offsets(offsets, first, len(data))
        return split_by_offsets(data, offsets)

    def chunks(self, value: Sequence[Any]) -> list[bytes]:
        """Return the leaves: packed basic items, or the roots of composites."""
        if isinstance(self.element_sedes, StrictContainer) or not is_fixed_size(
            self.element_sedes
        ):
            return [self.element_sedes.get_hash_tree_root(item) for item in value]
        size = self.element_sedes.get_fixed_size()
        if size >= BYTES_PER_CHUNK:
            return [self.element_sedes.get_hash_tree_root(item) for item in value]
        return pack_bytes(b"".join(self.element_sedes.serialize(v) for v in value))

    def chunk_limit(self) -> int:
        """Return how many leaves the list can have at its length limit."""
        if isinstance(self.element_sedes, StrictContainer) or not is_fixed_size(
            self.element_sedes
        ):
            return int(self.max_length)
        size = self.element_sedes.get_fixed_size()
        if size >= BYTES_PER_CHUNK:
            return int(self.max_length)
        per_chunk = BYTES_PER_CHUNK // size
        return (int(self.max_length) + per_chunk - 1) // per_chunk

    def get_hash_tree_root(self, value: Iterable[Any]) -> Hash32:
        """Merkleize the leaves up to the limit, then mix in the length."""
        items = tuple(value)
        root = merkleize(self.chunks(items), self.chunk_limit())
        return mix_in_length(root, len(items))

    def get_hash_tree_root_and_leaves(self, value: Sequence[Any], cache: Any) -> Any:
        """Hash without the `ssz` leaf cache."""
        return self.get_hash_tree_root(value), cache


class ProgressiveList(StrictList):
    """``ProgressiveList[T]`` of [EIP-7916]: unbounded, progressively hashed."""

    def __init__(self, element_sedes: BaseSedes) -> None:
        super().__init__(element_sedes, UNBOUNDED_LENGTH)

    def get_hash_tree_root(self, value: Iterable[Any]) -> Hash32:
        """Merkleize the leaves progressively, then mix in the length."""
        items = tuple(value)
        return mix_in_length(merkleize_progressive(self.chunks(items)), len(items))


Field = tuple[str, BaseSedes]


class StrictContainer(Container):
    """SSZ ``Container`` decoded strictly into a dataclass."""

    def __init__(self, fields: Sequence[Field], factory: Callable[..., Any]) -> None:
        super().__init__([sedes for _, sedes in fields])
        self.field_names = tuple(name for name, _ in fields)
        self.factory = factory
        self.fixed_part_size = sum(
            sedes.get_fixed_size() if is_fixed_size(sedes) else BYTES_PER_OFFSET
            for sedes in self.field_sedes
        )

    def field_values(self, value: Any) -> list[Any]:
        """Read the container's fields from a dataclass, in schema order."""
        return [getattr(value, name) for name in self.field_names]

    def serialize(self, value: Any) -> bytes:
        """Serialize the fixed part (with offsets), then the variable part."""
        fixed_parts: list[bytes | None] = []
        variable_parts: list[bytes] = []
        for sedes, item in zip(self.field_sedes, self.field_values(value)):
            encoded = sedes.serialize(item)
            if is_fixed_size(sedes):
                fixed_parts.append(encoded)
            else:
                fixed_parts.append(None)
                variable_parts.append(encoded)
        position = self.fixed_part_size
        head = []
        remaining = iter(variable_parts)
        for part in fixed_parts:
            if part is None:
                head.append(position.to_bytes(BYTES_PER_OFFSET, "little"))
                position += len(next(remaining))
            else:
                head.append(part)
        return b"".join(head) + b"".join(variable_parts)

    def deserialize(self, data: bytes) -> Any:
        """Decode strictly: exact fixed part, offsets tiling the rest."""
        if len(data) < self.fixed_part_size:
            raise DeserializationError(
                f"{len(data)} bytes are shorter than the fixed part "
                f"({self.fixed_part_size})"
            )
        values: list[Any] = []
        offsets: list[int] = []
        variable_indices: list[int] = []
        position = 0
        for index, sedes in enumerate(self.field_sedes):
            if is_fixed_size(sedes):
                size = sedes.get_fixed_size()
                values.append(sedes.deserialize(data[position : position + size]))
                position += size
            else:
                offsets.append(read_offset(data, position))
                variable_indices.append(index)
                values.append(None)
                position += BYTES_PER_OFFSET
        if not offsets:
            if len(data) != self.fixed_part_size:
                raise DeserializationError(
                    f"{len(data) - self.fixed_part_size} trailing bytes"
                )
        else:
            check_offsets(offsets, self.fixed_part_size, len(data))
            for index, part in zip(variable_indices, split_by_offsets(data, offsets)):
                values[index] = self.field_sedes[index].deserialize(part)
        return self.factory(**dict(zip(self.field_names, values)))

    def field_roots(self, value: Any) -> list[Hash32]:
        """Return the hash tree root of every field."""
        return [
            sedes.get_hash_tree_root(item)
            for sedes, item in zip(self.field_sedes, self.field_values(value))
        ]

    def get_hash_tree_root(self, value: Any) -> Hash32:
        """Merkleize the field roots."""
        return merkleize(self.field_roots(value), len(self.field_sedes))

    def get_hash_tree_root_and_leaves(self, value: Any, cache: Any) -> Any:
        """Hash without the `ssz` leaf cache."""
        return self.get_hash_tree_root(value), cache

    def get_sedes_id(self) -> str:
        """Name the sedes after its dataclass."""
        return str(getattr(self.factory, "__name__", "Container"))

    def __hash__(self) -> int:
        """Hash by identity: each container sedes is defined once."""
        return id(self)

    def __eq__(self, other: Any) -> bool:
        """Compare by identity: each container sedes is defined once."""
        return self is other


class ProgressiveContainer(StrictContainer):
    """``ProgressiveContainer`` of [EIP-7495] with every field active."""

    def get_hash_tree_root(self, value: Any) -> Hash32:
        """Merkleize the field roots progressively, then mix in active fields."""
        root = merkleize_progressive(self.field_roots(value))
        return mix_in_active_fields(root, [True] * len(self.field_sedes))
