"""
Named mutations of a stateless input, for invalid-input testing.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A mutation turns valid input bytes into input bytes that a guest must answer
in a known way. Each one has a name (the execution-spec-tests name where one
exists: ``remove_parent_header``, ``reverse_state_nodes``, ...), a one-line
docstring, and one of three expectation classes:

- ``undecodable``: the guest must output the 43 zero bytes;
- ``refused``: the input decodes, and the guest must output
  ``successful_validation = 0`` with the real request root, the input's chain
  id and its schema id;
- ``still valid``: the spec says the change does not matter (extra, reordered
  or duplicated witness items), so the output must not change.

Structural mutations decode the input, change the dataclasses and re-encode
them with ``guest.schema``. Mutations whose point is malformed SSZ (bad
offsets, limits exceeded, ragged list tails) work on the bytes, through
``Span``, a map of where each SSZ value lies in the input.

Mutations compose: ``apply_mutations(data, ["clear_headers",
"reverse_state_nodes"])``. The expected output of a mutated input is always
what the reference computes, ``run_stateless_guest(mutated)``.
"""

import argparse
import dataclasses
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import rlp
from eth_hash.auto import keccak

from ..errors import UndecodableInput
from ..schema import (
    HASH_SIZE,
    MAX_BYTES_PER_CODE,
    MAX_BYTES_PER_HEADER,
    MAX_BYTES_PER_WITNESS_NODE,
    MAX_EXTRA_DATA_BYTES,
    MAX_WITNESS_HEADERS,
    STATELESS_INPUT_BY_FORK,
    STATELESS_INPUT_SCHEMA_ID_SIZE,
    STATELESS_VALIDATION_RESULT_SIZE,
    ProtocolFork,
    StatelessInput,
    StatelessValidationResult,
    compute_new_payload_request_root,
    deserialize_stateless_input,
    fork_of_schema_id,
    serialize_stateless_input,
    serialize_stateless_output,
)
from ..sedes import (
    BYTES_PER_OFFSET,
    ProgressiveByteList,
    ProgressiveList,
    StrictContainer,
    StrictList,
    is_fixed_size,
    read_offset,
)
from ..stateless_guest import run_stateless_guest, run_stateless_guest_with_verdict
from .io import read_input_file, write_output_file

UINT64_MAX = 2**64 - 1
SENTINEL_OUTPUT = bytes(STATELESS_VALIDATION_RESULT_SIZE)
UNUSED_STATE_NODE = bytes.fromhex("8199")
"""The unused node that execution-spec-tests adds: RLP of the byte 0x99."""
UNUSED_CODE = bytes.fromhex("600160005500")
UNREFERENCED_VERSIONED_HASH = b"\x01" + b"\xee" * (HASH_SIZE - 1)
FILLER_BYTE = b"\xff"
GAP_BYTE = b"\x00"
HEADER_STATE_ROOT_INDEX = 3
LEGACY_TRANSACTION_FIRST_BYTE = 0xC0
LEGACY_V_INDEX = 6
FIRST_PROTECTED_V = 35
CHAIN_BOUND_TRANSACTION_TYPES = (0x01, 0x02, 0x03, 0x04)
"""Typed transactions that carry a chain id ([EIP-2930] onwards)."""
BLOB_TRANSACTION_TYPE = 0x03
BLOB_VERSIONED_HASHES_INDEX = 10
"""Position of ``blob_versioned_hashes`` in a blob transaction ([EIP-4844])."""

LENIENT_BYTE_LISTS = ProgressiveList(ProgressiveByteList())
"""Encode a list of byte strings without any per-item limit."""


class Expectation(Enum):
    """Name what a guest must answer to a mutated input."""

    UNDECODABLE = "undecodable"
    REFUSED = "refused"
    STILL_VALID = "still valid"


class MutationNotApplicable(Exception):
    """Signal that a mutation has nothing to act on in this input."""


@dataclass(frozen=True)
class Mutation:
    """Hold one named mutation and what a guest must answer to its result."""

    name: str
    function: Callable[[bytes], bytes]
    expectation: Expectation
    group: str
    description: str
    corpus_once: bool = False
    """One case of this mutation is enough for a whole vector corpus."""

    def __call__(self, input_bytes: bytes) -> bytes:
        """Mutate the input, refusing to return it unchanged."""
        mutated = self.function(input_bytes)
        if mutated == input_bytes:
            raise MutationNotApplicable(f"{self.name} leaves this input unchanged")
        return mutated


CATALOGUE: dict[str, Mutation] = {}
"""Every named mutation, in the order of the catalogue in spec/mutators.md."""

FAMILIES: dict[str, Callable[[str], Mutation]] = {}
"""Mutations that take an argument, written ``name:argument``."""


def register(mutation: Mutation) -> Mutation:
    """Add a mutation to the catalogue under its unique name."""
    if mutation.name in CATALOGUE:
        raise ValueError(f"mutation {mutation.name} is registered twice")
    CATALOGUE[mutation.name] = mutation
    return mutation


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text else ""


def byte_mutation(
    expectation: Expectation, group: str, corpus_once: bool = False
) -> Callable[[Callable[[bytes], bytes]], Mutation]:
    """Register a bytes-to-bytes function as a mutation named after it."""

    def decorate(function: Callable[[bytes], bytes]) -> Mutation:
        return register(
            Mutation(
                function.__name__,
                function,
                expectation,
                group,
                _first_line(function.__doc__),
                corpus_once,
            )
        )

    return decorate


def structural(
    function: Callable[[StatelessInput], StatelessInput],
) -> Callable[[bytes], bytes]:
    """Lift a change of the decoded input to a change of its bytes."""

    def mutate(input_bytes: bytes) -> bytes:
        return serialize_stateless_input(function(decode(input_bytes)))

    mutate.__name__ = function.__name__
    mutate.__doc__ = function.__doc__
    return mutate


def input_mutation(
    expectation: Expectation, group: str
) -> Callable[[Callable[[StatelessInput], StatelessInput]], Mutation]:
    """Register a change of the decoded input as a mutation named after it."""

    def decorate(function: Callable[[StatelessInput], StatelessInput]) -> Mutation:
        return byte_mutation(expectation, group)(structural(function))

    return decorate


def family(
    name: str,
) -> Callable[[Callable[[str], Mutation]], Callable[[str], Mutation]]:
    """Register a factory of mutations that takes one textual argument."""

    def decorate(factory: Callable[[str], Mutation]) -> Callable[[str], Mutation]:
        FAMILIES[name] = factory
        return factory

    return decorate


def resolve_mutation(spec: str) -> Mutation:
    """Find a mutation by name, or build one from ``family:argument``."""
    if spec in CATALOGUE:
        return CATALOGUE[spec]
    name, separator, argument = spec.partition(":")
    if separator and name in FAMILIES:
        return FAMILIES[name](argument)
    raise KeyError(f"unknown mutation {spec!r}")


def apply_mutations(input_bytes: bytes, names: Iterable[str]) -> bytes:
    """Apply named mutations in order, each to the previous one's result."""
    for name in names:
        input_bytes = resolve_mutation(name)(input_bytes)
    return input_bytes


def combined_expectation(mutations: Sequence[Mutation]) -> Expectation:
    """Return what a guest must answer after several mutations."""
    for expectation in (Expectation.UNDECODABLE, Expectation.REFUSED):
        if any(mutation.expectation is expectation for mutation in mutations):
            return expectation
    return Expectation.STILL_VALID


# Helpers on decoded inputs.


def decode(input_bytes: bytes) -> StatelessInput:
    """Decode an input that a structural mutation needs to read."""
    try:
        return deserialize_stateless_input(input_bytes)
    except UndecodableInput as error:
        raise MutationNotApplicable(f"input does not decode: {error}") from None


def require(condition: object, reason: str) -> None:
    """Refuse to mutate an input that lacks what the mutation acts on."""
    if not condition:
        raise MutationNotApplicable(reason)


def with_witness(stateless_input: StatelessInput, **changes: Any) -> StatelessInput:
    """Return the input with some witness fields replaced."""
    witness = dataclasses.replace(stateless_input.witness, **changes)
    return dataclasses.replace(stateless_input, witness=witness)


def with_request(stateless_input: StatelessInput, **changes: Any) -> StatelessInput:
    """Return the input with some new-payload-request fields replaced."""
    request = dataclasses.replace(stateless_input.new_payload_request, **changes)
    return dataclasses.replace(stateless_input, new_payload_request=request)


def with_payload(stateless_input: StatelessInput, **changes: Any) -> StatelessInput:
    """Return the input with some execution-payload fields replaced."""
    payload = stateless_input.new_payload_request.execution_payload
    return with_request(
        stateless_input, execution_payload=dataclasses.replace(payload, **changes)
    )


def without_index(items: tuple[bytes, ...], index: int) -> tuple[bytes, ...]:
    """Return the items without the one at `index` (negative counts back)."""
    require(-len(items) <= index < len(items), f"no item at index {index}")
    position = index % len(items)
    return items[:position] + items[position + 1 :]


def parent_state_root(stateless_input: StatelessInput) -> bytes:
    """Read the state root from the parent header (the last one)."""
    headers = stateless_input.witness.headers
    require(headers, "the witness has no parent header")
    try:
        fields = rlp.decode(headers[-1])
        return bytes(fields[HEADER_STATE_ROOT_INDEX])
    except Exception as error:
        raise MutationNotApplicable(f"parent header does not decode: {error}") from None


def transaction_fields(transaction: bytes) -> list[Any] | None:
    """Decode a transaction's RLP fields (after the type byte of a typed one)."""
    if not transaction:
        return None
    typed = transaction[0] < LEGACY_TRANSACTION_FIRST_BYTE
    try:
        fields = rlp.decode(transaction[1:] if typed else transaction)
    except Exception:
        return None
    return fields if isinstance(fields, list) else None


def transaction_chain_id(transaction: bytes) -> int | None:
    """Return the chain id a transaction's signature commits to, if any."""
    fields = transaction_fields(transaction)
    if fields is None or not fields or not isinstance(fields[0], bytes):
        return None
    if transaction[0] < LEGACY_TRANSACTION_FIRST_BYTE:
        if transaction[0] not in CHAIN_BOUND_TRANSACTION_TYPES:
            return None
        return int.from_bytes(fields[0], "big")
    if len(fields) <= LEGACY_V_INDEX or not isinstance(fields[LEGACY_V_INDEX], bytes):
        return None
    v = int.from_bytes(fields[LEGACY_V_INDEX], "big")
    if v < FIRST_PROTECTED_V:
        return None
    return (v - FIRST_PROTECTED_V) // 2


def with_chain_id(stateless_input: StatelessInput, chain_id: int) -> StatelessInput:
    """Change the chain id of an input with a transaction bound to another one."""
    transactions = stateless_input.new_payload_request.execution_payload.transactions
    bound = [transaction_chain_id(transaction) for transaction in transactions]
    require(
        any(bound_id not in (None, chain_id) for bound_id in bound),
        f"no transaction is bound to a chain id other than {chain_id}, "
        "so the block may stay valid",
    )
    return dataclasses.replace(stateless_input, chain_id=chain_id)


def versioned_hashes_of(stateless_input: StatelessInput) -> tuple[bytes, ...]:
    """Return the request's versioned hashes, if its fork has them."""
    hashes = stateless_input.new_payload_request.versioned_hashes
    require(hashes is not None, "this fork's request has no versioned hashes")
    assert hashes is not None
    return hashes


def carried_versioned_hashes(transactions: Iterable[bytes]) -> tuple[bytes, ...]:
    """Concatenate the versioned hashes that the blob transactions carry."""
    hashes: list[bytes] = []
    for transaction in transactions:
        if transaction[:1] != bytes([BLOB_TRANSACTION_TYPE]):
            continue
        fields = transaction_fields(transaction)
        require(
            fields is not None and len(fields) > BLOB_VERSIONED_HASHES_INDEX,
            "a blob transaction does not decode",
        )
        assert fields is not None
        hashes += [bytes(item) for item in fields[BLOB_VERSIONED_HASHES_INDEX]]
    return tuple(hashes)


def matching_versioned_hashes(stateless_input: StatelessInput) -> tuple[bytes, ...]:
    """Return versioned hashes that match the blob transactions, or refuse."""
    hashes = versioned_hashes_of(stateless_input)
    payload = stateless_input.new_payload_request.execution_payload
    require(
        hashes == carried_versioned_hashes(payload.transactions),
        "the versioned hashes do not match the blob transactions to begin with",
    )
    return hashes


# Where each SSZ value lies in the input bytes.


@dataclass(eq=False)
class Span:
    """Locate one SSZ value of an input: its bytes and the offset to it."""

    path: str
    sedes: Any
    start: int
    end: int
    offset_position: int | None = None
    """Where the 4-byte offset that points to this value is, if any."""
    parent: "Span | None" = None
    children: list["Span"] = field(default_factory=list)

    def variable_children(self) -> list["Span"]:
        """Return the children reached through an offset, in order."""
        return [child for child in self.children if child.offset_position is not None]

    def walk(self) -> Iterable["Span"]:
        """Yield this span and every span inside it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def layout(input_bytes: bytes) -> Span:
    """Map every SSZ value of a decodable input to its place in the bytes."""
    stateless_input = decode(input_bytes)
    sedes = STATELESS_INPUT_BY_FORK[fork_of_schema_id(stateless_input.schema_id)]
    root = Span("", sedes, STATELESS_INPUT_SCHEMA_ID_SIZE, len(input_bytes))
    _fill(root, input_bytes)
    return root


def span_at(input_bytes: bytes, path: str) -> Span:
    """Return the span of the value at `path`, e.g. ``witness.headers[0]``."""
    for span in layout(input_bytes).walk():
        if span.path == path:
            return span
    raise MutationNotApplicable(f"this input has no {path}")


def _close(spans: list[Span], end: int) -> None:
    for span, following in zip(spans, spans[1:]):
        span.end = following.start
    if spans:
        spans[-1].end = end


def _child_path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _fill(span: Span, data: bytes) -> None:
    sedes = span.sedes
    if isinstance(sedes, StrictContainer):
        _fill_container(span, data)
    elif isinstance(sedes, StrictList) and is_fixed_size(sedes.element_sedes):
        size = sedes.element_sedes.get_fixed_size()
        for index, start in enumerate(range(span.start, span.end, size)):
            path = f"{span.path}[{index}]"
            span.children.append(
                Span(path, sedes.element_sedes, start, start + size, None, span)
            )
    elif isinstance(sedes, StrictList) and span.end > span.start:
        count = read_offset(data, span.start) // BYTES_PER_OFFSET
        for index in range(count):
            position = span.start + BYTES_PER_OFFSET * index
            start = span.start + read_offset(data, position)
            path = f"{span.path}[{index}]"
            span.children.append(
                Span(path, sedes.element_sedes, start, start, position, span)
            )
        _close(span.children, span.end)
    for child in span.children:
        _fill(child, data)


def _fill_container(span: Span, data: bytes) -> None:
    sedes = span.sedes
    position = span.start
    for name, field_sedes in zip(sedes.field_names, sedes.field_sedes):
        path = _child_path(span.path, name)
        if is_fixed_size(field_sedes):
            size = field_sedes.get_fixed_size()
            span.children.append(
                Span(path, field_sedes, position, position + size, None, span)
            )
            position += size
        else:
            start = span.start + read_offset(data, position)
            span.children.append(Span(path, field_sedes, start, start, position, span))
            position += BYTES_PER_OFFSET
    _close(span.variable_children(), span.end)


def add_to_offset(data: bytearray, position: int, delta: int) -> None:
    """Move the 4-byte little-endian offset at `position` by `delta`."""
    value = read_offset(bytes(data), position) + delta
    data[position : position + BYTES_PER_OFFSET] = value.to_bytes(
        BYTES_PER_OFFSET, "little"
    )


def write_offset(input_bytes: bytes, position: int, value: int) -> bytes:
    """Overwrite the 4-byte little-endian offset at `position`."""
    encoded = value.to_bytes(BYTES_PER_OFFSET, "little")
    return input_bytes[:position] + encoded + input_bytes[position + BYTES_PER_OFFSET :]


def replace_span(input_bytes: bytes, span: Span, new_bytes: bytes) -> bytes:
    """Replace a value's bytes, moving every offset that points past it."""
    delta = len(new_bytes) - (span.end - span.start)
    result = bytearray(input_bytes[: span.start] + new_bytes + input_bytes[span.end :])
    child = span
    while child.parent is not None:
        siblings = child.parent.children
        index = next(i for i, sibling in enumerate(siblings) if sibling is child)
        for sibling in siblings[index + 1 :]:
            if sibling.offset_position is not None:
                add_to_offset(result, sibling.offset_position, delta)
        child = child.parent
    return bytes(result)


def replace_byte_list_items(
    input_bytes: bytes, path: str, change: Callable[[list[bytes]], list[bytes]]
) -> bytes:
    """Re-encode a list of byte strings, with no limit on the new items."""
    span = span_at(input_bytes, path)
    items = [input_bytes[child.start : child.end] for child in span.children]
    return replace_span(input_bytes, span, LENIENT_BYTE_LISTS.serialize(change(items)))


# Schema id.


@byte_mutation(Expectation.UNDECODABLE, "schema id", corpus_once=True)
def empty_input_bytes(input_bytes: bytes) -> bytes:
    """Drop every byte, schema id included."""
    return b""


@byte_mutation(Expectation.UNDECODABLE, "schema id", corpus_once=True)
def incomplete_schema_id(input_bytes: bytes) -> bytes:
    """Keep only the first byte of the schema id."""
    require(input_bytes, "the input is empty")
    return input_bytes[:1]


@byte_mutation(Expectation.UNDECODABLE, "schema id", corpus_once=True)
def unsupported_schema_revision(input_bytes: bytes) -> bytes:
    """Replace the schema revision with the unsupported revision 0x02."""
    require(len(input_bytes) >= STATELESS_INPUT_SCHEMA_ID_SIZE, "no schema id")
    return input_bytes[:1] + b"\x02" + input_bytes[STATELESS_INPUT_SCHEMA_ID_SIZE:]


@byte_mutation(Expectation.UNDECODABLE, "schema id", corpus_once=True)
def unsupported_schema_fork(input_bytes: bytes) -> bytes:
    """Replace the schema fork with the unsupported fork 0x16."""
    return with_schema_fork_byte(input_bytes, 0x16)


def with_schema_fork_byte(input_bytes: bytes, fork_byte: int) -> bytes:
    """Replace the high byte of the schema id, which selects the fork."""
    require(input_bytes, "the input is empty")
    return bytes([fork_byte]) + input_bytes[1:]


def _register_unsupported_fork_bytes() -> None:
    supported = {int(fork) for fork in ProtocolFork} | {0x16}
    for fork_byte in range(256):
        if fork_byte in supported:
            continue

        def mutate(input_bytes: bytes, fork_byte: int = fork_byte) -> bytes:
            return with_schema_fork_byte(input_bytes, fork_byte)

        register(
            Mutation(
                f"unsupported_schema_fork_0x{fork_byte:02x}",
                mutate,
                Expectation.UNDECODABLE,
                "schema id",
                f"Replace the schema fork with the unsupported fork 0x{fork_byte:02x}.",
                corpus_once=True,
            )
        )


_register_unsupported_fork_bytes()


@byte_mutation(Expectation.UNDECODABLE, "schema id", corpus_once=True)
def missing_ssz_body(input_bytes: bytes) -> bytes:
    """Keep the schema id and drop the whole SSZ body."""
    return input_bytes[:STATELESS_INPUT_SCHEMA_ID_SIZE]


@byte_mutation(Expectation.UNDECODABLE, "top-level SSZ")
def truncated_ssz_body(input_bytes: bytes) -> bytes:
    """Cut the input where the witness starts, so that offset points past the end."""
    witness = span_at(input_bytes, "witness")
    return input_bytes[: witness.start]


@byte_mutation(Expectation.UNDECODABLE, "top-level SSZ")
def invalid_first_ssz_offset(input_bytes: bytes) -> bytes:
    """Set the first top-level offset to 1, inside the fixed part."""
    request = span_at(input_bytes, "new_payload_request")
    assert request.offset_position is not None
    return write_offset(input_bytes, request.offset_position, 1)


@byte_mutation(Expectation.UNDECODABLE, "top-level SSZ")
def shifted_ssz_offsets(input_bytes: bytes) -> bytes:
    """Move both top-level offsets one byte on and append a byte to keep the size."""
    root = layout(input_bytes)
    mutated = bytearray(input_bytes + FILLER_BYTE)
    for child in root.variable_children():
        assert child.offset_position is not None
        add_to_offset(mutated, child.offset_position, 1)
    return bytes(mutated)


@byte_mutation(Expectation.REFUSED, "top-level SSZ")
def append_trailing_byte(input_bytes: bytes) -> bytes:
    """Append a byte: SSZ gives it to the last header, whose RLP then fails."""
    stateless_input = decode(input_bytes)
    require(stateless_input.witness.headers, "no header absorbs the byte")
    require(
        len(stateless_input.witness.headers[-1]) < MAX_BYTES_PER_HEADER,
        "the last header is already at its size limit",
    )
    return input_bytes + GAP_BYTE


@byte_mutation(Expectation.UNDECODABLE, "top-level SSZ")
def trailing_byte_without_headers(input_bytes: bytes) -> bytes:
    """Clear the headers, then append a byte that cannot start a header list."""
    stateless_input = with_witness(decode(input_bytes), headers=())
    return serialize_stateless_input(stateless_input) + GAP_BYTE


# Witness headers.


@input_mutation(Expectation.REFUSED, "headers")
def remove_parent_header(stateless_input: StatelessInput) -> StatelessInput:
    """Drop the parent header, the last one of the witness."""
    headers = stateless_input.witness.headers
    return with_witness(stateless_input, headers=without_index(headers, -1))


@input_mutation(Expectation.REFUSED, "headers")
def remove_oldest_header(stateless_input: StatelessInput) -> StatelessInput:
    """Drop the oldest ancestor header, leaving a parent that is not the first."""
    headers = stateless_input.witness.headers
    require(len(headers) >= 2, "fewer than two headers")
    return with_witness(stateless_input, headers=headers[1:])


@input_mutation(Expectation.REFUSED, "headers")
def reverse_headers(stateless_input: StatelessInput) -> StatelessInput:
    """Reverse the headers so that they no longer chain oldest first."""
    headers = stateless_input.witness.headers
    return with_witness(stateless_input, headers=headers[::-1])


@input_mutation(Expectation.REFUSED, "headers")
def replace_header_with_0xff(stateless_input: StatelessInput) -> StatelessInput:
    """Replace the parent header with the single byte 0xff, which is no RLP header."""
    headers = stateless_input.witness.headers
    require(headers, "no headers")
    return with_witness(stateless_input, headers=headers[:-1] + (b"\xff",))


@input_mutation(Expectation.REFUSED, "headers")
def clear_headers(stateless_input: StatelessInput) -> StatelessInput:
    """Remove every header, the parent included."""
    return with_witness(stateless_input, headers=())


@input_mutation(Expectation.REFUSED, "SSZ limits")
def header_at_size_limit(stateless_input: StatelessInput) -> StatelessInput:
    """Pad the parent header with zero bytes to exactly the header size limit."""
    headers = stateless_input.witness.headers
    require(headers, "no headers")
    padded = headers[-1].ljust(MAX_BYTES_PER_HEADER, GAP_BYTE)
    return with_witness(stateless_input, headers=headers[:-1] + (padded,))


@byte_mutation(Expectation.UNDECODABLE, "SSZ limits")
def header_over_size_limit(input_bytes: bytes) -> bytes:
    """Pad the parent header with zero bytes to one byte over the size limit."""
    headers = span_at(input_bytes, "witness.headers")
    require(headers.children, "no headers")
    last = headers.children[-1]
    padded = input_bytes[last.start : last.end].ljust(
        MAX_BYTES_PER_HEADER + 1, GAP_BYTE
    )
    return replace_span(input_bytes, last, padded)


@input_mutation(Expectation.REFUSED, "SSZ limits")
def headers_at_count_limit(stateless_input: StatelessInput) -> StatelessInput:
    """Repeat the oldest header until the witness holds the most headers allowed."""
    headers = stateless_input.witness.headers
    require(headers, "no headers")
    filler = (headers[0],) * (MAX_WITNESS_HEADERS - len(headers))
    return with_witness(stateless_input, headers=filler + headers)


@byte_mutation(Expectation.UNDECODABLE, "SSZ limits")
def too_many_headers(input_bytes: bytes) -> bytes:
    """Repeat the oldest header until the witness holds one header too many."""

    def change(headers: list[bytes]) -> list[bytes]:
        require(headers, "no headers")
        return [headers[0]] * (MAX_WITNESS_HEADERS + 1 - len(headers)) + headers

    return replace_byte_list_items(input_bytes, "witness.headers", change)


@family("remove_header_at")
def remove_header_at(argument: str) -> Mutation:
    """Build a mutation that drops the header at an index (negative counts back)."""
    index = int(argument, 0)

    @structural
    def mutate(stateless_input: StatelessInput) -> StatelessInput:
        headers = without_index(stateless_input.witness.headers, index)
        return with_witness(stateless_input, headers=headers)

    return Mutation(
        f"remove_header_at:{index}",
        mutate,
        Expectation.REFUSED,
        "headers",
        f"Drop the header at index {index}.",
    )


@family("replace_header_at")
def replace_header_at(argument: str) -> Mutation:
    """Build a mutation that replaces the header at an index with 0xff."""
    index = int(argument, 0)

    @structural
    def mutate(stateless_input: StatelessInput) -> StatelessInput:
        headers = list(stateless_input.witness.headers)
        require(-len(headers) <= index < len(headers), f"no header at index {index}")
        headers[index] = b"\xff"
        return with_witness(stateless_input, headers=tuple(headers))

    return Mutation(
        f"replace_header_at:{index}",
        mutate,
        Expectation.REFUSED,
        "headers",
        f"Replace the header at index {index} with the byte 0xff.",
    )


# Witness state nodes.


@input_mutation(Expectation.REFUSED, "state nodes")
def remove_state_root_node(stateless_input: StatelessInput) -> StatelessInput:
    """Drop the node that hashes to the parent's state root, which every block reads."""
    root = parent_state_root(stateless_input)
    state = stateless_input.witness.state
    kept = tuple(node for node in state if keccak(node) != root)
    require(len(kept) < len(state), "the witness has no state root node")
    return with_witness(stateless_input, state=kept)


@input_mutation(Expectation.STILL_VALID, "state nodes")
def add_unused_state_node(stateless_input: StatelessInput) -> StatelessInput:
    """Add a node that no trie walk reaches; unused nodes are allowed."""
    state = stateless_input.witness.state
    return with_witness(stateless_input, state=state + (UNUSED_STATE_NODE,))


@input_mutation(Expectation.STILL_VALID, "state nodes")
def reverse_state_nodes(stateless_input: StatelessInput) -> StatelessInput:
    """Reverse the state nodes; their order must not matter."""
    state = stateless_input.witness.state
    return with_witness(stateless_input, state=state[::-1])


@input_mutation(Expectation.STILL_VALID, "state nodes")
def duplicate_state_node(stateless_input: StatelessInput) -> StatelessInput:
    """Append a copy of the first state node; duplicates must collapse."""
    state = stateless_input.witness.state
    require(state, "no state nodes")
    return with_witness(stateless_input, state=state + state[:1])


@input_mutation(Expectation.STILL_VALID, "SSZ limits")
def state_node_at_size_limit(stateless_input: StatelessInput) -> StatelessInput:
    """Add an unused node of exactly the node size limit."""
    node = FILLER_BYTE * MAX_BYTES_PER_WITNESS_NODE
    state = stateless_input.witness.state
    return with_witness(stateless_input, state=state + (node,))


@byte_mutation(Expectation.UNDECODABLE, "SSZ limits")
def oversized_state_node(input_bytes: bytes) -> bytes:
    """Add an unused node one byte over the node size limit."""
    node = FILLER_BYTE * (MAX_BYTES_PER_WITNESS_NODE + 1)
    return replace_byte_list_items(input_bytes, "witness.state", lambda s: s + [node])


@family("remove_state_node")
def remove_state_node(argument: str) -> Mutation:
    """Build a mutation that drops a state node, by index or by 0x-hash."""
    by_hash = len(argument) == 2 + 2 * HASH_SIZE and argument.startswith("0x")
    target = bytes.fromhex(argument[2:]) if by_hash else None
    index = 0 if by_hash else int(argument, 0)

    @structural
    def mutate(stateless_input: StatelessInput) -> StatelessInput:
        state = stateless_input.witness.state
        if target is None:
            return with_witness(stateless_input, state=without_index(state, index))
        kept = tuple(node for node in state if keccak(node) != target)
        require(len(kept) < len(state), f"no state node hashes to {argument}")
        return with_witness(stateless_input, state=kept)

    which = f"whose hash is {argument}" if by_hash else f"at index {index}"
    return Mutation(
        f"remove_state_node:{argument}",
        mutate,
        Expectation.REFUSED,
        "state nodes",
        f"Drop the state node {which} (refused only if the block needs it).",
    )


# Witness codes.


@input_mutation(Expectation.REFUSED, "codes")
def remove_code(stateless_input: StatelessInput) -> StatelessInput:
    """Drop the first code; a generated witness holds only codes the block reads."""
    codes = stateless_input.witness.codes
    return with_witness(stateless_input, codes=without_index(codes, 0))


@input_mutation(Expectation.STILL_VALID, "codes")
def add_unused_code(stateless_input: StatelessInput) -> StatelessInput:
    """Add a code that no account refers to; unused codes are allowed."""
    codes = stateless_input.witness.codes
    return with_witness(stateless_input, codes=codes + (UNUSED_CODE,))


@input_mutation(Expectation.STILL_VALID, "codes")
def reverse_codes(stateless_input: StatelessInput) -> StatelessInput:
    """Reverse the codes; their order must not matter."""
    codes = stateless_input.witness.codes
    return with_witness(stateless_input, codes=codes[::-1])


@input_mutation(Expectation.STILL_VALID, "codes")
def duplicate_code(stateless_input: StatelessInput) -> StatelessInput:
    """Append a copy of the first code; duplicates must collapse."""
    codes = stateless_input.witness.codes
    require(codes, "no codes")
    return with_witness(stateless_input, codes=codes + codes[:1])


@input_mutation(Expectation.STILL_VALID, "SSZ limits")
def code_at_size_limit(stateless_input: StatelessInput) -> StatelessInput:
    """Add an unused code of exactly the code size limit."""
    code = FILLER_BYTE * MAX_BYTES_PER_CODE
    codes = stateless_input.witness.codes
    return with_witness(stateless_input, codes=codes + (code,))


@byte_mutation(Expectation.UNDECODABLE, "SSZ limits")
def oversized_code(input_bytes: bytes) -> bytes:
    """Add an unused code one byte over the code size limit."""
    code = FILLER_BYTE * (MAX_BYTES_PER_CODE + 1)
    return replace_byte_list_items(input_bytes, "witness.codes", lambda c: c + [code])


@family("remove_code_at")
def remove_code_at(argument: str) -> Mutation:
    """Build a mutation that drops the code at an index."""
    index = int(argument, 0)

    @structural
    def mutate(stateless_input: StatelessInput) -> StatelessInput:
        codes = without_index(stateless_input.witness.codes, index)
        return with_witness(stateless_input, codes=codes)

    return Mutation(
        f"remove_code_at:{index}",
        mutate,
        Expectation.REFUSED,
        "codes",
        f"Drop the code at index {index} (refused only if the block needs it).",
    )


# Chain id.


@input_mutation(Expectation.REFUSED, "chain id")
def change_chain_id(stateless_input: StatelessInput) -> StatelessInput:
    """Move the chain id on by one, so chain-bound transactions no longer match."""
    return with_chain_id(stateless_input, (stateless_input.chain_id + 1) & UINT64_MAX)


@input_mutation(Expectation.REFUSED, "chain id")
def chain_id_zero(stateless_input: StatelessInput) -> StatelessInput:
    """Set the chain id to 0, which no chain-bound transaction can match."""
    return with_chain_id(stateless_input, 0)


@input_mutation(Expectation.REFUSED, "chain id")
def chain_id_max(stateless_input: StatelessInput) -> StatelessInput:
    """Set the chain id to the largest uint64."""
    return with_chain_id(stateless_input, UINT64_MAX)


@family("set_chain_id")
def set_chain_id(argument: str) -> Mutation:
    """Build a mutation that sets the chain id of a chain-bound block."""
    chain_id = int(argument, 0)
    require(0 <= chain_id <= UINT64_MAX, "the chain id is not a uint64")

    @structural
    def mutate(stateless_input: StatelessInput) -> StatelessInput:
        return with_chain_id(stateless_input, chain_id)

    return Mutation(
        f"set_chain_id:{chain_id}",
        mutate,
        Expectation.REFUSED,
        "chain id",
        f"Set the chain id to {chain_id}.",
    )


# Versioned hashes and payload.


@input_mutation(Expectation.REFUSED, "versioned hashes")
def reorder_versioned_hashes(stateless_input: StatelessInput) -> StatelessInput:
    """Reverse the versioned hashes; they must follow the blob transactions' order."""
    hashes = matching_versioned_hashes(stateless_input)
    return with_request(stateless_input, versioned_hashes=hashes[::-1])


@input_mutation(Expectation.REFUSED, "versioned hashes")
def add_versioned_hash(stateless_input: StatelessInput) -> StatelessInput:
    """Append a versioned hash that no blob transaction carries."""
    hashes = versioned_hashes_of(stateless_input) + (UNREFERENCED_VERSIONED_HASH,)
    return with_request(stateless_input, versioned_hashes=hashes)


@input_mutation(Expectation.REFUSED, "versioned hashes")
def remove_versioned_hash(stateless_input: StatelessInput) -> StatelessInput:
    """Drop the last versioned hash, which a blob transaction carries."""
    hashes = without_index(matching_versioned_hashes(stateless_input), -1)
    return with_request(stateless_input, versioned_hashes=hashes)


@input_mutation(Expectation.REFUSED, "payload")
def add_empty_transaction(stateless_input: StatelessInput) -> StatelessInput:
    """Append an empty transaction, which the payload rules forbid."""
    payload = stateless_input.new_payload_request.execution_payload
    return with_payload(stateless_input, transactions=payload.transactions + (b"",))


@input_mutation(Expectation.REFUSED, "payload")
def corrupt_block_hash(stateless_input: StatelessInput) -> StatelessInput:
    """Flip the lowest bit of the block hash, which then matches no header."""
    block_hash = stateless_input.new_payload_request.execution_payload.block_hash
    corrupted = block_hash[:-1] + bytes([block_hash[-1] ^ 1])
    return with_payload(stateless_input, block_hash=corrupted)


@input_mutation(Expectation.REFUSED, "SSZ limits")
def extra_data_at_size_limit(stateless_input: StatelessInput) -> StatelessInput:
    """Pad extra_data with zero bytes to exactly its size limit."""
    extra_data = stateless_input.new_payload_request.execution_payload.extra_data
    padded = extra_data.ljust(MAX_EXTRA_DATA_BYTES, GAP_BYTE)
    return with_payload(stateless_input, extra_data=padded)


@byte_mutation(Expectation.UNDECODABLE, "SSZ limits")
def oversized_extra_data(input_bytes: bytes) -> bytes:
    """Pad extra_data with zero bytes to one byte over its size limit."""
    span = span_at(input_bytes, "new_payload_request.execution_payload.extra_data")
    extra_data = input_bytes[span.start : span.end]
    return replace_span(
        input_bytes, span, extra_data.ljust(MAX_EXTRA_DATA_BYTES + 1, GAP_BYTE)
    )


# Strict decoding: offsets and ragged tails, generated from the schema.


def _containers_with_offsets(sedes: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    if not isinstance(sedes, StrictContainer):
        return
    if any(not is_fixed_size(field_sedes) for field_sedes in sedes.field_sedes):
        yield path, sedes
    for name, field_sedes in zip(sedes.field_names, sedes.field_sedes):
        yield from _containers_with_offsets(field_sedes, _child_path(path, name))


def _label(path: str) -> str:
    return path.rsplit(".", 1)[-1] if path else "stateless_input"


def _offset_out_of_range(path: str) -> Callable[[bytes], bytes]:
    def mutate(input_bytes: bytes) -> bytes:
        span = span_at(input_bytes, path)
        assert span.parent is not None and span.offset_position is not None
        past_end = span.parent.end - span.parent.start + 1
        return write_offset(input_bytes, span.offset_position, past_end)

    return mutate


def _offset_decreasing(path: str) -> Callable[[bytes], bytes]:
    def mutate(input_bytes: bytes) -> bytes:
        span = span_at(input_bytes, path)
        container = span.parent
        assert container is not None and span.offset_position is not None
        offsets = container.variable_children()
        index = next(i for i, sibling in enumerate(offsets) if sibling is span)
        if index == 0:
            value = container.sedes.fixed_part_size - 1
        else:
            value = offsets[index - 1].start - container.start - 1
        return write_offset(input_bytes, span.offset_position, value)

    return mutate


def _offset_gap(path: str) -> Callable[[bytes], bytes]:
    def mutate(input_bytes: bytes) -> bytes:
        container = span_at(input_bytes, path)
        first = container.variable_children()[0]
        assert first.offset_position is not None
        moved = GAP_BYTE + input_bytes[first.start : first.end]
        mutated = bytearray(replace_span(input_bytes, first, moved))
        add_to_offset(mutated, first.offset_position, len(GAP_BYTE))
        return bytes(mutated)

    return mutate


def _register_offset_mutations() -> None:
    schema = STATELESS_INPUT_BY_FORK[ProtocolFork.Amsterdam]
    for path, container in _containers_with_offsets(schema):
        label = _label(path)
        shown = path or "StatelessInput"
        register(
            Mutation(
                f"{label}_offset_gap",
                _offset_gap(path),
                Expectation.UNDECODABLE,
                "offsets",
                f"Insert a byte between the fixed part of {shown} and its first "
                "variable field.",
            )
        )
        fields = zip(container.field_names, container.field_sedes)
        variable = [name for name, sedes in fields if not is_fixed_size(sedes)]
        for position, name in enumerate(variable):
            field_path = _child_path(path, name)
            register(
                Mutation(
                    f"{label}_{name}_offset_out_of_range",
                    _offset_out_of_range(field_path),
                    Expectation.UNDECODABLE,
                    "offsets",
                    f"Point the offset of {field_path} past the end of {shown}.",
                )
            )
            backwards = (
                "back into the fixed part"
                if position == 0
                else "before the previous offset"
            )
            register(
                Mutation(
                    f"{label}_{name}_offset_decreasing",
                    _offset_decreasing(field_path),
                    Expectation.UNDECODABLE,
                    "offsets",
                    f"Point the offset of {field_path} {backwards}.",
                )
            )


def _fixed_item_lists(sedes: Any, path: str = "") -> Iterable[tuple[str, int]]:
    if isinstance(sedes, StrictList) and is_fixed_size(sedes.element_sedes):
        yield path, sedes.element_sedes.get_fixed_size()
    if isinstance(sedes, StrictContainer):
        for name, field_sedes in zip(sedes.field_names, sedes.field_sedes):
            yield from _fixed_item_lists(field_sedes, _child_path(path, name))


def _partial_item(path: str, item_size: int) -> Callable[[bytes], bytes]:
    def mutate(input_bytes: bytes) -> bytes:
        span = span_at(input_bytes, path)
        tail = input_bytes[span.start : span.end] + GAP_BYTE * (item_size - 1)
        return replace_span(input_bytes, span, tail)

    return mutate


def _register_partial_items() -> None:
    schema = STATELESS_INPUT_BY_FORK[ProtocolFork.Amsterdam]
    for path, item_size in _fixed_item_lists(schema):
        container, name = path.rsplit(".", 1)
        register(
            Mutation(
                f"{_label(container)}_{name}_partial_item",
                _partial_item(path, item_size),
                Expectation.UNDECODABLE,
                "ragged tails",
                f"Append {item_size - 1} bytes to {path}, leaving a tail that is "
                f"not a multiple of its {item_size}-byte items.",
            )
        )


_register_offset_mutations()
_register_partial_items()


# Expected outputs and vector sets.


def expected_output(
    expectation: Expectation, original_output: bytes, mutated_input: bytes
) -> bytes:
    """Return the output a guest must give, from the spec's rules alone."""
    if expectation is Expectation.UNDECODABLE:
        return SENTINEL_OUTPUT
    if expectation is Expectation.STILL_VALID:
        return original_output
    stateless_input = deserialize_stateless_input(mutated_input)
    refused = StatelessValidationResult(
        new_payload_request_root=compute_new_payload_request_root(stateless_input),
        successful_validation=False,
        chain_id=stateless_input.chain_id,
        schema_id=stateless_input.schema_id,
    )
    return serialize_stateless_output(refused)


def expectation_problem(
    expectation: Expectation,
    original_output: bytes,
    mutated_input: bytes,
    mutated_output: bytes,
) -> str | None:
    """Say how an output breaks a mutation's expectation, or return None."""
    try:
        wanted = expected_output(expectation, original_output, mutated_input)
    except UndecodableInput as error:
        return f"expected {expectation.value}, but the input does not decode: {error}"
    if mutated_output == wanted:
        return None
    return (
        f"expected {expectation.value} output 0x{wanted.hex()}, "
        f"got 0x{mutated_output.hex()}"
    )


def invalid_input_cases(
    inputs: Iterable[tuple[str, bytes]], names: Sequence[str] | None = None
) -> list[dict[str, str]]:
    """
    Build invalid-input vectors from valid inputs.

    Every applicable (input, mutation) pair gives one case whose output is
    what the reference guest computes; mutations marked ``corpus_once`` are
    applied to the first input only.
    """
    mutations = [resolve_mutation(name) for name in names or list(CATALOGUE)]
    cases: list[dict[str, str]] = []
    for position, (input_name, input_bytes) in enumerate(inputs):
        for mutation in mutations:
            if mutation.corpus_once and position > 0:
                continue
            try:
                mutated = mutation(input_bytes)
            except MutationNotApplicable:
                continue
            verdict = run_stateless_guest_with_verdict(mutated)
            cases.append(
                {
                    "name": f"{input_name}/{mutation.name}",
                    "mutation": mutation.name,
                    "statelessInputBytes": "0x" + mutated.hex(),
                    "statelessOutputBytes": "0x" + verdict.output.hex(),
                    "expected": mutation.expectation.value,
                    "reason": verdict.describe(),
                }
            )
    return cases


# Command line.


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``mutate`` subcommand to the command-line parser."""
    parser = subparsers.add_parser(
        "mutate",
        help="apply named invalid-input mutations to a stateless input",
        description=(
            "List or apply named mutations of a stateless input and report the "
            "output the reference guest gives for the result."
        ),
    )
    parser.add_argument(
        "input", nargs="?", help="input bytes: binary file, .hex file, or '-'"
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--list", action="store_true", help="list the mutations (and which apply)"
    )
    action.add_argument(
        "--apply", metavar="NAME[,NAME]", help="mutations to apply, in order"
    )
    parser.add_argument(
        "-o", "--output", help="write the mutated input here (.hex for hex text)"
    )
    parser.set_defaults(func=run_mutate_command)
    return parser


def run_mutate_command(arguments: argparse.Namespace) -> int:
    """Run ``stateless-guest mutate``; return the process exit status."""
    input_bytes = read_input_file(arguments.input) if arguments.input else None
    if arguments.list:
        print(render_catalogue(input_bytes))
        return 0
    if input_bytes is None:
        print("mutate --apply needs an INPUT", file=sys.stderr)
        return 2
    names = [name.strip() for name in arguments.apply.split(",") if name.strip()]
    try:
        mutations = [resolve_mutation(name) for name in names]
        mutated = apply_mutations(input_bytes, names)
    except (KeyError, ValueError, MutationNotApplicable) as error:
        print(f"cannot mutate: {error}", file=sys.stderr)
        return 1
    report = sys.stderr
    if arguments.output:
        write_output_file(arguments.output, mutated)
        report = sys.stdout
    else:
        print("0x" + mutated.hex())
    expectation = combined_expectation(mutations)
    verdict = run_stateless_guest_with_verdict(mutated)
    problem = expectation_problem(
        expectation, run_stateless_guest(input_bytes), mutated, verdict.output
    )
    print(
        f"mutations: {', '.join(mutation.name for mutation in mutations)}", file=report
    )
    print(f"expectation: {expectation.value}", file=report)
    print(f"expected output: 0x{verdict.output.hex()}", file=report)
    print(f"verdict: {verdict.describe()}", file=report)
    print(f"agrees with expectation: {problem or 'yes'}", file=report)
    return 0


def render_catalogue(input_bytes: bytes | None = None) -> str:
    """List every mutation, marking those that cannot act on `input_bytes`."""
    lines = []
    for mutation in CATALOGUE.values():
        note = ""
        if input_bytes is not None:
            try:
                mutation(input_bytes)
            except MutationNotApplicable as error:
                note = f"  [not applicable: {error}]"
        lines.append(
            f"{mutation.name:<52} {mutation.expectation.value:<12} "
            f"{mutation.description}{note}"
        )
    for name, factory in FAMILIES.items():
        lines.append(f"{name + ':ARG':<52} {'':<12} {_first_line(factory.__doc__)}")
    return "\n".join(lines)


# Catalogue page.

CATALOGUE_START = "<!-- catalogue:start (generated by catalogue_markdown) -->"
CATALOGUE_END = "<!-- catalogue:end -->"
UNSUPPORTED_FORK_PREFIX = "unsupported_schema_fork_0x"


def catalogue_markdown() -> str:
    """Render the catalogue as the tables of spec/mutators.md."""
    lines = [CATALOGUE_START]
    groups: dict[str, list[Mutation]] = {}
    for mutation in CATALOGUE.values():
        groups.setdefault(mutation.group, []).append(mutation)
    for group, mutations in groups.items():
        lines += ["", f"#### {group[0].upper()}{group[1:]}", ""]
        lines += ["| name | expectation | mutation |", "|---|---|---|"]
        fork_bytes = [
            m for m in mutations if m.name.startswith(UNSUPPORTED_FORK_PREFIX)
        ]
        for mutation in mutations:
            if mutation not in fork_bytes:
                lines.append(
                    f"| `{mutation.name}` | {mutation.expectation.value} "
                    f"| {mutation.description} |"
                )
        if fork_bytes:
            lines.append(
                f"| `{UNSUPPORTED_FORK_PREFIX}NN` ({len(fork_bytes)} mutations) "
                "| undecodable | Replace the schema fork with byte NN, for every "
                "byte that names no supported fork (0x16 is "
                "`unsupported_schema_fork`). |"
            )
    lines += ["", "#### Mutations with an argument (`name:ARG`)", ""]
    lines += ["| name | expectation | mutation |", "|---|---|---|"]
    for name, factory in FAMILIES.items():
        example = factory("0")
        lines.append(
            f"| `{name}:ARG` | {example.expectation.value} "
            f"| {_first_line(factory.__doc__)} |"
        )
    lines += ["", CATALOGUE_END]
    return "\n".join(lines)


def update_catalogue_page(path: str) -> None:
    """Rewrite the generated catalogue section of a markdown page in place."""
    page = Path(path).read_text()
    start = page.index(CATALOGUE_START)
    end = page.index(CATALOGUE_END) + len(CATALOGUE_END)
    Path(path).write_text(page[:start] + catalogue_markdown() + page[end:])
