"""Stateless guest input and output schema.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The guest reads ``schema_id || SSZ(StatelessInput)`` and writes
``SSZ(StatelessValidationResult)``. The canonical schema is the Amsterdam one
of ``tests-zkevm@v21.0.1`` (schema id ``0x1501``). The schema ids of Paris to
BPO2 are accepted too, byte-compatibly with the reth guest
(``paradigmxyz/stateless``): the schema id selects the shape of the
``NewPayloadRequest`` and the fork rules; the rest of the input and the whole
output are the same for every id.

Payload and request fields that a fork's shape lacks are ``None`` in the
decoded dataclasses: a Paris payload has ``withdrawals = None``.
"""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from ssz.sedes import ByteVector, boolean, bytes32, uint16, uint64, uint256

from .errors import Refusal, UndecodableInput
from .sedes import (
    Field,
    ProgressiveByteList,
    ProgressiveContainer,
    ProgressiveList,
    StrictByteList,
    StrictContainer,
    StrictList,
)

if TYPE_CHECKING:
    from ssz.sedes.base import BaseSedes


class ProtocolFork(IntEnum):
    """Number the forks as the schema id's high byte does."""

    Paris = 0x0E
    Shanghai = 0x0F
    Cancun = 0x10
    Prague = 0x11
    Osaka = 0x12
    BPO1 = 0x13
    BPO2 = 0x14
    Amsterdam = 0x15


STATELESS_INPUT_SCHEMA_FORK_INDEX = ProtocolFork.Amsterdam
STATELESS_INPUT_SCHEMA_REVISION = 0x01
STATELESS_INPUT_SCHEMA_ID = (
    STATELESS_INPUT_SCHEMA_FORK_INDEX << 8
) | STATELESS_INPUT_SCHEMA_REVISION
STATELESS_INPUT_SCHEMA_ID_SIZE = 2
STATELESS_INPUT_SCHEMA_ID_BYTES = STATELESS_INPUT_SCHEMA_ID.to_bytes(
    STATELESS_INPUT_SCHEMA_ID_SIZE, "big"
)

MAX_WITNESS_HEADERS = 256
MAX_BYTES_PER_CODE = 2**16
MAX_BYTES_PER_HEADER = 2**10
MAX_BYTES_PER_WITNESS_NODE = 2**10
MAX_EXTRA_DATA_BYTES = 32

HASH_SIZE = 32
ADDRESS_SIZE = 20
BLOOM_SIZE = 256
BLS_PUBKEY_SIZE = 48
BLS_SIGNATURE_SIZE = 96

STATELESS_VALIDATION_RESULT_SIZE = HASH_SIZE + 1 + 8 + 2


def schema_id_of(fork: ProtocolFork) -> int:
    """Return the schema id that selects `fork` at the current revision."""
    return (fork << 8) | STATELESS_INPUT_SCHEMA_REVISION


SUPPORTED_SCHEMA_IDS = tuple(schema_id_of(fork) for fork in ProtocolFork)


# Containers.


@dataclass(frozen=True)
class Withdrawal:
    """Move consensus-layer balance to an execution address ([EIP-4895])."""

    index: int
    validator_index: int
    address: bytes
    amount: int
    """Amount in Gwei."""


@dataclass(frozen=True)
class DepositRequest:
    """Carry a validator deposit from the deposit contract ([EIP-6110])."""

    pubkey: bytes
    withdrawal_credentials: bytes
    amount: int
    signature: bytes
    index: int


@dataclass(frozen=True)
class WithdrawalRequest:
    """Carry an execution-triggered exit or withdrawal ([EIP-7002])."""

    source_address: bytes
    validator_pubkey: bytes
    amount: int


@dataclass(frozen=True)
class ConsolidationRequest:
    """Carry an execution-triggered consolidation ([EIP-7251])."""

    source_address: bytes
    source_pubkey: bytes
    target_pubkey: bytes


@dataclass(frozen=True)
class BuilderDepositRequest:
    """Carry a builder deposit ([EIP-8282])."""

    pubkey: bytes
    withdrawal_credentials: bytes
    amount: int
    signature: bytes


@dataclass(frozen=True)
class BuilderExitRequest:
    """Carry a builder exit ([EIP-8282])."""

    source_address: bytes
    pubkey: bytes


@dataclass(frozen=True)
class ExecutionRequests:
    """Group the execution-layer requests of a block by type ([EIP-7685])."""

    deposits: tuple[DepositRequest, ...]
    withdrawals: tuple[WithdrawalRequest, ...]
    consolidations: tuple[ConsolidationRequest, ...]
    builder_deposits: tuple[BuilderDepositRequest, ...] | None = None
    builder_exits: tuple[BuilderExitRequest, ...] | None = None


@dataclass(frozen=True)
class ExecutionPayload:
    """Hold the execution payload, in the field order of the Engine API."""

    parent_hash: bytes
    fee_recipient: bytes
    state_root: bytes
    receipts_root: bytes
    logs_bloom: bytes
    prev_randao: bytes
    block_number: int
    gas_limit: int
    gas_used: int
    timestamp: int
    extra_data: bytes
    base_fee_per_gas: int
    block_hash: bytes
    transactions: tuple[bytes, ...]
    """Each transaction as EIP-2718 bytes (a legacy one as its RLP list)."""
    withdrawals: tuple[Withdrawal, ...] | None = None
    blob_gas_used: int | None = None
    excess_blob_gas: int | None = None
    block_access_list: bytes | None = None
    """RLP of the block-level access list ([EIP-7928])."""
    slot_number: int | None = None


@dataclass(frozen=True)
class NewPayloadRequest:
    """Hold what the consensus layer hands to ``engine_newPayload``."""

    execution_payload: ExecutionPayload
    versioned_hashes: tuple[bytes, ...] | None = None
    parent_beacon_block_root: bytes | None = None
    execution_requests: ExecutionRequests | None = None


@dataclass(frozen=True)
class ExecutionWitness:
    """Hold the pre-state the block needs, as preimages."""

    state: tuple[bytes, ...]
    """RLP trie nodes of the account and storage tries, in any order."""
    codes: tuple[bytes, ...]
    """Contract bytecodes, in any order."""
    headers: tuple[bytes, ...]
    """RLP ancestor headers, oldest first; the last one is the parent."""


@dataclass(frozen=True)
class StatelessInput:
    """Hold everything the guest validates a block from."""

    new_payload_request: NewPayloadRequest
    witness: ExecutionWitness
    chain_id: int
    schema_id: int = field(default=STATELESS_INPUT_SCHEMA_ID, compare=False)
    """Not an SSZ field: the id read from the input's first two bytes."""

    @property
    def fork(self) -> ProtocolFork:
        """Return the fork whose rules the schema id selects."""
        return ProtocolFork(self.schema_id >> 8)


@dataclass(frozen=True)
class StatelessValidationResult:
    """Hold the guest's public output.

    When `successful_validation` is false the other fields still describe the
    input, unless the input could not be decoded: then every field is zero.
    """

    new_payload_request_root: bytes
    successful_validation: bool
    chain_id: int
    schema_id: int
    refusal: Refusal | None = field(default=None, compare=False)
    """Not an SSZ field: why validation failed, for reports only."""


# Sedes.


def _bytes_vector(size: int) -> "BaseSedes":
    return bytes32 if size == HASH_SIZE else ByteVector(size)


WITHDRAWAL = StrictContainer(
    [
        ("index", uint64),
        ("validator_index", uint64),
        ("address", _bytes_vector(ADDRESS_SIZE)),
        ("amount", uint64),
    ],
    Withdrawal,
)
DEPOSIT_REQUEST = StrictContainer(
    [
        ("pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
        ("withdrawal_credentials", bytes32),
        ("amount", uint64),
        ("signature", _bytes_vector(BLS_SIGNATURE_SIZE)),
        ("index", uint64),
    ],
    DepositRequest,
)
WITHDRAWAL_REQUEST = StrictContainer(
    [
        ("source_address", _bytes_vector(ADDRESS_SIZE)),
        ("validator_pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
        ("amount", uint64),
    ],
    WithdrawalRequest,
)
CONSOLIDATION_REQUEST = StrictContainer(
    [
        ("source_address", _bytes_vector(ADDRESS_SIZE)),
        ("source_pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
        ("target_pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
    ],
    ConsolidationRequest,
)
BUILDER_DEPOSIT_REQUEST = StrictContainer(
    [
        ("pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
        ("withdrawal_credentials", bytes32),
        ("amount", uint64),
        ("signature", _bytes_vector(BLS_SIGNATURE_SIZE)),
    ],
    BuilderDepositRequest,
)
BUILDER_EXIT_REQUEST = StrictContainer(
    [
        ("source_address", _bytes_vector(ADDRESS_SIZE)),
        ("pubkey", _bytes_vector(BLS_PUBKEY_SIZE)),
    ],
    BuilderExitRequest,
)

REQUEST_FIELDS_ELECTRA: list[Field] = [
    ("deposits", ProgressiveList(DEPOSIT_REQUEST)),
    ("withdrawals", ProgressiveList(WITHDRAWAL_REQUEST)),
    ("consolidations", ProgressiveList(CONSOLIDATION_REQUEST)),
]
REQUEST_FIELDS_GLOAS: list[Field] = REQUEST_FIELDS_ELECTRA + [
    ("builder_deposits", ProgressiveList(BUILDER_DEPOSIT_REQUEST)),
    ("builder_exits", ProgressiveList(BUILDER_EXIT_REQUEST)),
]
EXECUTION_REQUESTS_ELECTRA = ProgressiveContainer(
    REQUEST_FIELDS_ELECTRA, ExecutionRequests
)
EXECUTION_REQUESTS_GLOAS = ProgressiveContainer(REQUEST_FIELDS_GLOAS, ExecutionRequests)

PAYLOAD_FIELDS_V1: list[Field] = [
    ("parent_hash", bytes32),
    ("fee_recipient", _bytes_vector(ADDRESS_SIZE)),
    ("state_root", bytes32),
    ("receipts_root", bytes32),
    ("logs_bloom", _bytes_vector(BLOOM_SIZE)),
    ("prev_randao", bytes32),
    ("block_number", uint64),
    ("gas_limit", uint64),
    ("gas_used", uint64),
    ("timestamp", uint64),
    ("extra_data", StrictByteList(MAX_EXTRA_DATA_BYTES)),
    ("base_fee_per_gas", uint256),
    ("block_hash", bytes32),
    ("transactions", ProgressiveList(ProgressiveByteList())),
]
PAYLOAD_FIELDS_V2 = PAYLOAD_FIELDS_V1 + [("withdrawals", ProgressiveList(WITHDRAWAL))]
PAYLOAD_FIELDS_V3 = PAYLOAD_FIELDS_V2 + [
    ("blob_gas_used", uint64),
    ("excess_blob_gas", uint64),
]
PAYLOAD_FIELDS_V4 = PAYLOAD_FIELDS_V3 + [
    ("block_access_list", ProgressiveByteList()),
    ("slot_number", uint64),
]
EXECUTION_PAYLOAD_V1 = ProgressiveContainer(PAYLOAD_FIELDS_V1, ExecutionPayload)
EXECUTION_PAYLOAD_V2 = ProgressiveContainer(PAYLOAD_FIELDS_V2, ExecutionPayload)
EXECUTION_PAYLOAD_V3 = ProgressiveContainer(PAYLOAD_FIELDS_V3, ExecutionPayload)
EXECUTION_PAYLOAD_V4 = ProgressiveContainer(PAYLOAD_FIELDS_V4, ExecutionPayload)

VERSIONED_HASHES = ProgressiveList(bytes32)


def _new_payload_request_sedes(
    payload: StrictContainer, requests: StrictContainer | None, with_blobs: bool
) -> StrictContainer:
    fields: list[Field] = [("execution_payload", payload)]
    if with_blobs:
        fields += [
            ("versioned_hashes", VERSIONED_HASHES),
            ("parent_beacon_block_root", bytes32),
        ]
    if requests is not None:
        fields.append(("execution_requests", requests))
    return StrictContainer(fields, NewPayloadRequest)


NEW_PAYLOAD_REQUEST_BELLATRIX = _new_payload_request_sedes(
    EXECUTION_PAYLOAD_V1, None, with_blobs=False
)
NEW_PAYLOAD_REQUEST_CAPELLA = _new_payload_request_sedes(
    EXECUTION_PAYLOAD_V2, None, with_blobs=False
)
NEW_PAYLOAD_REQUEST_DENEB = _new_payload_request_sedes(
    EXECUTION_PAYLOAD_V3, None, with_blobs=True
)
NEW_PAYLOAD_REQUEST_ELECTRA_FULU = _new_payload_request_sedes(
    EXECUTION_PAYLOAD_V3, EXECUTION_REQUESTS_ELECTRA, with_blobs=True
)
NEW_PAYLOAD_REQUEST_GLOAS = _new_payload_request_sedes(
    EXECUTION_PAYLOAD_V4, EXECUTION_REQUESTS_GLOAS, with_blobs=True
)

NEW_PAYLOAD_REQUEST_BY_FORK: dict[ProtocolFork, StrictContainer] = {
    ProtocolFork.Paris: NEW_PAYLOAD_REQUEST_BELLATRIX,
    ProtocolFork.Shanghai: NEW_PAYLOAD_REQUEST_CAPELLA,
    ProtocolFork.Cancun: NEW_PAYLOAD_REQUEST_DENEB,
    ProtocolFork.Prague: NEW_PAYLOAD_REQUEST_ELECTRA_FULU,
    ProtocolFork.Osaka: NEW_PAYLOAD_REQUEST_ELECTRA_FULU,
    ProtocolFork.BPO1: NEW_PAYLOAD_REQUEST_ELECTRA_FULU,
    ProtocolFork.BPO2: NEW_PAYLOAD_REQUEST_ELECTRA_FULU,
    ProtocolFork.Amsterdam: NEW_PAYLOAD_REQUEST_GLOAS,
}

EXECUTION_WITNESS = StrictContainer(
    [
        ("state", ProgressiveList(StrictByteList(MAX_BYTES_PER_WITNESS_NODE))),
        ("codes", ProgressiveList(StrictByteList(MAX_BYTES_PER_CODE))),
        (
            "headers",
            StrictList(StrictByteList(MAX_BYTES_PER_HEADER), MAX_WITNESS_HEADERS),
        ),
    ],
    ExecutionWitness,
)


def stateless_input_sedes(fork: ProtocolFork) -> StrictContainer:
    """Return the ``StatelessInput`` container whose request fits `fork`."""
    return StrictContainer(
        [
            ("new_payload_request", NEW_PAYLOAD_REQUEST_BY_FORK[fork]),
            ("witness", EXECUTION_WITNESS),
            ("chain_id", uint64),
        ],
        StatelessInput,
    )


STATELESS_INPUT_BY_FORK = {fork: stateless_input_sedes(fork) for fork in ProtocolFork}

STATELESS_VALIDATION_RESULT = StrictContainer(
    [
        ("new_payload_request_root", bytes32),
        ("successful_validation", boolean),
        ("chain_id", uint64),
        ("schema_id", uint16),
    ],
    StatelessValidationResult,
)


# Codec.


def fork_of_schema_id(schema_id: int) -> ProtocolFork:
    """Return the fork a schema id selects, or reject an unknown id."""
    revision = schema_id & 0xFF
    if revision != STATELESS_INPUT_SCHEMA_REVISION:
        raise UndecodableInput(f"unsupported schema revision 0x{revision:02x}")
    try:
        return ProtocolFork(schema_id >> 8)
    except ValueError:
        raise UndecodableInput(
            f"unsupported schema fork 0x{schema_id >> 8:02x}"
        ) from None


def deserialize_stateless_input(data: bytes) -> StatelessInput:
    """Decode the guest input: schema id, then canonical SSZ.

    Raises ``UndecodableInput`` for anything that is not exactly one
    ``StatelessInput`` of a supported schema.
    """
    if len(data) < STATELESS_INPUT_SCHEMA_ID_SIZE:
        raise UndecodableInput("stateless input is missing the schema id")
    schema_id = int.from_bytes(data[:STATELESS_INPUT_SCHEMA_ID_SIZE], "big")
    fork = fork_of_schema_id(schema_id)
    body = data[STATELESS_INPUT_SCHEMA_ID_SIZE:]
    try:
        decoded = STATELESS_INPUT_BY_FORK[fork].deserialize(body)
    except UndecodableInput:
        raise
    except Exception as error:
        raise UndecodableInput(
            f"invalid SSZ for schema 0x{schema_id:04x}: {error}"
        ) from error
    return StatelessInput(
        decoded.new_payload_request, decoded.witness, decoded.chain_id, schema_id
    )


def serialize_stateless_input(stateless_input: StatelessInput) -> bytes:
    """Encode the guest input: big-endian schema id, then SSZ."""
    fork = fork_of_schema_id(stateless_input.schema_id)
    body = STATELESS_INPUT_BY_FORK[fork].serialize(stateless_input)
    return (
        stateless_input.schema_id.to_bytes(STATELESS_INPUT_SCHEMA_ID_SIZE, "big") + body
    )


def compute_new_payload_request_root(stateless_input: StatelessInput) -> bytes:
    """Return the SSZ root of the request: the value a verifier binds to."""
    sedes = NEW_PAYLOAD_REQUEST_BY_FORK[stateless_input.fork]
    return sedes.get_hash_tree_root(stateless_input.new_payload_request)


def serialize_stateless_output(result: StatelessValidationResult) -> bytes:
    """Encode the 43-byte guest output."""
    return STATELESS_VALIDATION_RESULT.serialize(result)


def deserialize_stateless_output(data: bytes) -> StatelessValidationResult:
    """Decode a 43-byte guest output."""
    return STATELESS_VALIDATION_RESULT.deserialize(data)


FAILED_STATELESS_OUTPUT = StatelessValidationResult(
    new_payload_request_root=b"\x00" * HASH_SIZE,
    successful_validation=False,
    chain_id=0,
    schema_id=0,
)
"""The sentinel for undecodable input: 43 zero bytes on the wire."""
