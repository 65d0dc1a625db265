"""
Host-side builder of stateless inputs.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``build_stateless_input`` turns a block and the *full* pre-state of its parent
into the guest's input: it imports the block with py-evm over a database that
records every pre-state key it reads, and keeps what the guest needs:

- ``witness.state``: every trie node of the parent's account and storage
  tries that the import read, including the nodes read only while the
  post-state root is recomputed (the sibling that a branch collapses into
  when a key is deleted);
- ``witness.codes``: every pre-state bytecode the import read;
- ``witness.headers``: the parent and, oldest first, as many older ancestors
  as the block's ``BLOCKHASH`` calls reach.

Nodes and codes are sorted lexicographically, as the spec's witness generator
sorts them. The payload fields come from the block, the versioned hashes from
its blob transactions ([EIP-4844]), and the execution requests
([EIP-7685]) from the block's own execution, unless the caller gives them
(as an Engine API request does).

The pre-state is either an allocation (address to ``AccountState``) or a
key-value store holding every trie node and code of the parent state (for
example a py-evm ``MemoryDB`` after earlier blocks). The builder never
trusts the block: an invalid block still gets an input (built from what its
import read before it failed), and ``BuiltInput.execution_error`` says why
py-evm refused it.

[EIP-4844]: https://eips.ethereum.org/EIPS/eip-4844
[EIP-7685]: https://eips.ethereum.org/EIPS/eip-7685
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import rlp
from eth.abc import BlockAPI, BlockHeaderAPI, VirtualMachineAPI
from eth.chains.base import Chain
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.db.backends.memory import MemoryDB
from eth.db.chain import ChainDB
from eth.db.header import _decode_block_header
from eth.db.trie import make_trie_root_and_nodes
from eth.exceptions import HeaderNotFound
from eth.vm.forks.prague.blocks import PragueBackwardsHeader
from eth_typing import Address
from eth_utils import keccak

from ..chain_config import ChainConfig, chain_config_for
from ..forks import vm_class_for
from ..forks.amsterdam.blocks import AmsterdamBlockHeader
from ..forks.prague import compute_requests_hash
from ..schema import (
    ADDRESS_SIZE,
    BLOOM_SIZE,
    BLS_PUBKEY_SIZE,
    BLS_SIGNATURE_SIZE,
    HASH_SIZE,
    MAX_WITNESS_HEADERS,
    BuilderDepositRequest,
    BuilderExitRequest,
    ConsolidationRequest,
    DepositRequest,
    ExecutionPayload,
    ExecutionRequests,
    ExecutionWitness,
    NewPayloadRequest,
    ProtocolFork,
    StatelessInput,
    Withdrawal,
    WithdrawalRequest,
    schema_id_of,
    serialize_stateless_input,
)

BLOCKHASH_WINDOW = 256
BLOB_TRANSACTION_TYPE = 0x03
UINT64_SIZE = 8

DEPOSIT_REQUEST_TYPE = 0x00
WITHDRAWAL_REQUEST_TYPE = 0x01
CONSOLIDATION_REQUEST_TYPE = 0x02
DEPOSIT_REQUEST_SIZE = (
    BLS_PUBKEY_SIZE + HASH_SIZE + UINT64_SIZE + BLS_SIGNATURE_SIZE + UINT64_SIZE
)
WITHDRAWAL_REQUEST_SIZE = ADDRESS_SIZE + BLS_PUBKEY_SIZE + UINT64_SIZE
CONSOLIDATION_REQUEST_SIZE = ADDRESS_SIZE + 2 * BLS_PUBKEY_SIZE
BUILDER_DEPOSIT_REQUEST_TYPE = 0x03
BUILDER_EXIT_REQUEST_TYPE = 0x04
BUILDER_DEPOSIT_REQUEST_SIZE = (
    BLS_PUBKEY_SIZE + HASH_SIZE + UINT64_SIZE + BLS_SIGNATURE_SIZE
)
BUILDER_EXIT_REQUEST_SIZE = ADDRESS_SIZE + BLS_PUBKEY_SIZE
BUILDER_REQUEST_TYPES = (BUILDER_DEPOSIT_REQUEST_TYPE, BUILDER_EXIT_REQUEST_TYPE)

BRANCH_NODE_LENGTH = 17
LEAF_FLAGS = (2, 3)


class BuilderError(Exception):
    """Report a block or pre-state from which no stateless input can be built."""


class AmsterdamChainDB(ChainDB):
    """Store headers of any fork, Amsterdam's 23 fields too (py-evm lacks them)."""

    @staticmethod
    def _get_block_header_by_hash(db: Any, block_hash: Any) -> BlockHeaderAPI:
        """Decode a stored header with the Amsterdam layout, else py-evm's."""
        try:
            header_rlp = db[block_hash]
        except KeyError as error:
            raise HeaderNotFound(f"No header with hash {block_hash.hex()}") from error
        try:
            return rlp.decode(header_rlp, sedes=AmsterdamBlockHeader)
        except rlp.exceptions.RLPException:
            return _decode_block_header(header_rlp)

    def persist_block(self, block: BlockAPI, *args: Any, **kwargs: Any) -> Any:
        """Also store the body tries, which the Amsterdam VM only hashes."""
        for items in (block.transactions, getattr(block, "withdrawals", ())):
            self.persist_trie_data_dict(make_trie_root_and_nodes(items)[1])
        return super().persist_block(block, *args, **kwargs)


@dataclass(frozen=True)
class AccountState:
    """Describe one account of an allocation (a genesis or a test ``pre``)."""

    nonce: int = 0
    balance: int = 0
    code: bytes = b""
    storage: Mapping[int, int] = field(default_factory=dict)


Alloc = Mapping[bytes, AccountState]
StateStore = Mapping[bytes, bytes]


@dataclass(frozen=True)
class BuiltInput:
    """Hold a built stateless input with what the host learned building it."""

    stateless_input: StatelessInput
    block: BlockAPI
    """The py-evm block the input was built from."""
    execution_error: str | None
    """Why py-evm refused the block, or None when it imported it."""
    state_writes: Mapping[bytes, bytes]
    """Keys the import wrote (post-state nodes and codes, chain data)."""
    execution_requests: tuple[bytes, ...] = ()
    """The request blobs in the input (given, or produced by the import)."""

    @property
    def input_bytes(self) -> bytes:
        """Return the guest input: schema id, then SSZ."""
        return serialize_stateless_input(self.stateless_input)

    @property
    def imported(self) -> bool:
        """Tell whether py-evm accepted the block."""
        return self.execution_error is None


def build_stateless_input(
    fork: ProtocolFork,
    chain_id: int,
    pre_state: Alloc | StateStore,
    ancestors: Sequence[BlockHeaderAPI | bytes],
    block: BlockAPI | bytes,
    execution_requests: Sequence[bytes] | None = None,
    chain_config: ChainConfig | None = None,
) -> BuiltInput:
    """
    Build the stateless input that validates `block` on top of its parent.

    `pre_state` is the parent's full state: an allocation, or a store of
    every trie node and code under ``keccak(value)``. `ancestors` are
    headers (objects or RLP), oldest first, ending with the parent; give up
    to 256 of them so that ``BLOCKHASH`` resolves, and the input keeps only
    those the block reaches. `block` is a py-evm block or its RLP.
    `execution_requests` are the [EIP-7685] request blobs
    (``type || data``); by default the ones the block's execution produces.
    `chain_config` (blob schedules, deposit contract) defaults to the one the
    guest itself picks for `chain_id`.
    """
    vm_class = vm_class_for(fork, chain_config or chain_config_for(chain_id))
    headers = tuple(_decode_header(header) for header in ancestors)
    if not headers:
        raise BuilderError("the parent header is required")
    block = _decode_block(vm_class, block) if isinstance(block, bytes) else block
    store = _state_store(pre_state)
    parent = headers[-1]
    if block.header.parent_hash != parent.hash:
        raise BuilderError("the last ancestor is not the block's parent")
    if parent.state_root != BLANK_ROOT_HASH and parent.state_root not in store:
        raise BuilderError("the pre-state does not hold the parent's state root")

    recording = _record_import(vm_class, chain_id, store, headers, block)
    requests = tuple(
        request
        for request in (
            recording.requests if execution_requests is None else execution_requests
        )
        if len(request) > 1
    )
    if fork >= ProtocolFork.Prague and execution_requests is None:
        _check_requests_hash(block, requests, recording.error)
    witness = ExecutionWitness(
        state=tuple(sorted(recording.state_nodes(parent.state_root))),
        codes=tuple(sorted(recording.codes(parent.state_root))),
        headers=tuple(
            rlp.encode(header)
            for header in _needed_ancestors(headers, block, recording)
        ),
    )
    stateless_input = StatelessInput(
        new_payload_request=build_new_payload_request(
            fork, block, requests, recording.block_access_list
        ),
        witness=witness,
        chain_id=chain_id,
        schema_id=schema_id_of(fork),
    )
    return BuiltInput(
        stateless_input=stateless_input,
        block=block,
        execution_error=recording.error,
        state_writes=recording.database.writes,
        execution_requests=requests,
    )


# Pre-state.


def state_store_from_alloc(alloc: Alloc) -> tuple[bytes, dict[bytes, bytes]]:
    """Return the state root of an allocation and a store of its tries."""
    memory = MemoryDB()
    account_db = AccountDB(AtomicDB(memory))
    for raw_address, account in alloc.items():
        address = Address(raw_address)
        account_db.set_nonce(address, account.nonce)
        account_db.set_balance(address, account.balance)
        account_db.set_code(address, account.code)
        for slot, value in account.storage.items():
            if value:
                account_db.set_storage(address, slot, value)
    account_db.persist()
    return account_db.state_root, dict(memory.kv_store)


def _state_store(pre_state: Alloc | StateStore) -> StateStore:
    is_alloc = isinstance(pre_state, dict) and all(
        isinstance(account, AccountState) for account in pre_state.values()
    )
    if is_alloc and pre_state:
        return state_store_from_alloc(cast(Alloc, pre_state))[1]
    return cast(StateStore, pre_state)


# Recording import.


class RecordingDatabase(BaseDB):
    """Read a pre-state store without changing it, noting each key read."""

    def __init__(self, pre_state: StateStore) -> None:
        self.pre_state = pre_state
        self.writes: dict[bytes, bytes] = {}
        self.deleted: set[bytes] = set()
        self.reads: set[bytes] = set()

    def __getitem__(self, key: bytes) -> bytes:
        if key in self.writes:
            return self.writes[key]
        if key in self.deleted:
            raise KeyError(key)
        value = self.pre_state[key]
        self.reads.add(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value
        self.deleted.discard(key)

    def __delitem__(self, key: bytes) -> None:
        if key not in self:
            raise KeyError(key)
        self.writes.pop(key, None)
        self.deleted.add(key)

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True


@dataclass
class ImportRecording:
    """Hold what a recording import read and produced."""

    database: RecordingDatabase
    ancestor_numbers: set[int] = field(default_factory=set)
    requests: tuple[bytes, ...] = ()
    block_access_list: bytes | None = None
    """RLP of the access list the execution built ([EIP-7928]), if any."""
    error: str | None = None

    def state_nodes(self, state_root: bytes) -> set[bytes]:
        """Return the read trie nodes reachable from the parent's state root."""
        return {node for node, _ in self._walk(state_root) if node is not None}

    def codes(self, state_root: bytes) -> set[bytes]:
        """Return the read codes of accounts reachable from the state root."""
        return {code for _, code in self._walk(state_root) if code is not None}

    def _walk(self, state_root: bytes) -> Iterator[tuple[bytes | None, bytes | None]]:
        read = {key: self.database.pre_state[key] for key in self.database.reads}
        for value in _trie_leaves(read, state_root, seen=set()):
            node, leaf = value
            if node is not None:
                yield node, None
                continue
            assert leaf is not None
            _, _, storage_root, code_hash = rlp.decode(leaf)
            yield from ((n, None) for n in _trie_nodes(read, storage_root))
            if code_hash != EMPTY_SHA3 and code_hash in read:
                yield None, read[code_hash]


def _trie_nodes(read: Mapping[bytes, bytes], root: bytes) -> Iterator[bytes]:
    for node, _ in _trie_leaves(read, root, seen=set()):
        if node is not None:
            yield node


def _trie_leaves(
    read: Mapping[bytes, bytes], root: bytes, seen: set[bytes]
) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Yield ``(node, None)`` per read node and ``(None, leaf)`` per leaf."""
    if root in seen or root not in read:
        return
    seen.add(root)
    raw = read[root]
    yield raw, None
    yield from _node_references(read, rlp.decode(raw), seen)


def _node_references(
    read: Mapping[bytes, bytes], node: Any, seen: set[bytes]
) -> Iterator[tuple[bytes | None, bytes | None]]:
    if len(node) == BRANCH_NODE_LENGTH:
        for child in node[:16]:
            yield from _child_references(read, child, seen)
        return
    if node[0][0] >> 4 in LEAF_FLAGS:
        yield None, node[1]
        return
    yield from _child_references(read, node[1], seen)


def _child_references(
    read: Mapping[bytes, bytes], child: Any, seen: set[bytes]
) -> Iterator[tuple[bytes | None, bytes | None]]:
    if isinstance(child, list):
        yield from _node_references(read, child, seen)
    elif len(child) == HASH_SIZE:
        yield from _trie_leaves(read, child, seen)


def _record_import(
    vm_class: type[VirtualMachineAPI],
    chain_id: int,
    store: StateStore,
    headers: Sequence[BlockHeaderAPI],
    block: BlockAPI,
) -> ImportRecording:
    recording = ImportRecording(RecordingDatabase(store))
    database = AtomicDB(recording.database)
    AmsterdamChainDB(database).persist_header_chain(
        headers, genesis_parent_hash=headers[0].parent_hash
    )
    recording.database.reads.clear()
    chain_class = Chain.configure(
        __name__="RecordingChain",
        vm_configuration=((0, _recording_vm_class(vm_class, recording)),),
        chain_id=chain_id,
        chaindb_class=AmsterdamChainDB,
    )
    try:
        chain_class(database).import_block(block)
    except Exception as error:  # the block is refused; its input is still built
        recording.error = f"{type(error).__name__}: {error}"
    return recording


def _recording_vm_class(
    vm_class: type[VirtualMachineAPI], recording: ImportRecording
) -> type[VirtualMachineAPI]:
    """Derive a VM that notes ``BLOCKHASH`` depths and the produced requests."""
    state_class: Any = vm_class.get_state_class()

    class RecordingState(state_class):  # type: ignore[valid-type,misc]
        def get_ancestor_hash(self, block_number: int) -> bytes:
            recording.ancestor_numbers.add(block_number)
            return super().get_ancestor_hash(block_number)

    class RecordingVM(vm_class):  # type: ignore[valid-type,misc]
        _state_class = RecordingState

        def block_postprocessing(self, block: BlockAPI) -> BlockAPI:
            processed = super().block_postprocessing(block)
            produced: Any = getattr(processed, "block_requests", None) or getattr(
                block, "block_requests", ()
            )
            recording.requests = tuple(produced)
            recording.block_access_list = getattr(processed, "block_access_list", None)
            return processed

    return RecordingVM


def _needed_ancestors(
    headers: Sequence[BlockHeaderAPI], block: BlockAPI, recording: ImportRecording
) -> Sequence[BlockHeaderAPI]:
    """Keep the parent and every older ancestor that ``BLOCKHASH`` reached."""
    number = block.header.block_number
    reached = [
        n for n in recording.ancestor_numbers if 0 <= number - n - 1 < BLOCKHASH_WINDOW
    ]
    oldest = min(reached, default=number - 1)
    kept = [header for header in headers if header.block_number >= oldest]
    return kept[-MAX_WITNESS_HEADERS:]


# Decoding.


def _decode_header(header: BlockHeaderAPI | bytes) -> BlockHeaderAPI:
    if isinstance(header, bytes):
        try:
            return rlp.decode(header, sedes=AmsterdamBlockHeader)
        except rlp.exceptions.RLPException:
            return rlp.decode(header, sedes=PragueBackwardsHeader)
    return header


def _decode_block(vm_class: type[VirtualMachineAPI], data: bytes) -> BlockAPI:
    try:
        return rlp.decode(data, sedes=vm_class.get_block_class())
    except Exception as error:
        raise BuilderError(f"block RLP does not decode: {error}") from error


# Payload.


def build_new_payload_request(
    fork: ProtocolFork,
    block: BlockAPI,
    requests: Sequence[bytes],
    block_access_list: bytes | None = None,
) -> NewPayloadRequest:
    """Form the ``engine_newPayload`` request that carries `block`."""
    header = block.header
    payload = build_execution_payload(fork, block, block_access_list)
    if fork < ProtocolFork.Cancun:
        return NewPayloadRequest(payload)
    versioned_hashes = tuple(
        versioned_hash
        for transaction in block.transactions
        if transaction.type_id == BLOB_TRANSACTION_TYPE
        for versioned_hash in transaction.blob_versioned_hashes
    )
    if fork < ProtocolFork.Prague:
        return NewPayloadRequest(
            payload, versioned_hashes, header.parent_beacon_block_root
        )
    if fork < ProtocolFork.Amsterdam:
        execution_requests = parse_execution_requests(requests)
    else:
        execution_requests = replace(
            parse_execution_requests(
                [r for r in requests if r[0] not in BUILDER_REQUEST_TYPES]
            ),
            **parse_builder_requests(requests),
        )
    return NewPayloadRequest(
        payload,
        versioned_hashes,
        header.parent_beacon_block_root,
        execution_requests,
    )


def build_execution_payload(
    fork: ProtocolFork, block: BlockAPI, block_access_list: bytes | None = None
) -> ExecutionPayload:
    """
    Copy the payload fields of `fork`'s shape out of the block.

    From Amsterdam the payload also carries the block access list, which is
    no part of the block: `block_access_list` is the RLP its execution built
    (an empty list when unknown, e.g. after a failed import).
    """
    header: Any = block.header
    withdrawals = None
    if fork >= ProtocolFork.Shanghai:
        withdrawals = tuple(
            Withdrawal(w.index, w.validator_index, w.address, w.amount)
            for w in block.withdrawals
        )
    has_blobs = fork >= ProtocolFork.Cancun
    return ExecutionPayload(
        parent_hash=header.parent_hash,
        fee_recipient=header.coinbase,
        state_root=header.state_root,
        receipts_root=header.receipt_root,
        logs_bloom=header.bloom.to_bytes(BLOOM_SIZE, "big"),
        prev_randao=header.mix_hash,
        block_number=header.block_number,
        gas_limit=header.gas_limit,
        gas_used=header.gas_used,
        timestamp=header.timestamp,
        extra_data=header.extra_data,
        base_fee_per_gas=header.base_fee_per_gas or 0,
        block_hash=header.hash,
        transactions=tuple(transaction.encode() for transaction in block.transactions),
        withdrawals=withdrawals,
        blob_gas_used=header.blob_gas_used if has_blobs else None,
        excess_blob_gas=header.excess_blob_gas if has_blobs else None,
        **_amsterdam_payload_fields(fork, header, block_access_list),
    )


def _amsterdam_payload_fields(
    fork: ProtocolFork, header: Any, block_access_list: bytes | None
) -> dict[str, Any]:
    if fork < ProtocolFork.Amsterdam:
        return {}
    return {
        "block_access_list": rlp.encode([])
        if block_access_list is None
        else block_access_list,
        "slot_number": header.slot_number,
    }


def parse_execution_requests(requests: Sequence[bytes]) -> ExecutionRequests:
    """Type the [EIP-7685] request blobs (``type || data``) of a block."""
    by_type: dict[int, bytes] = {}
    for request in requests:
        if not request:
            raise BuilderError("empty execution request")
        by_type[request[0]] = by_type.get(request[0], b"") + request[1:]
    unknown = set(by_type) - {
        DEPOSIT_REQUEST_TYPE,
        WITHDRAWAL_REQUEST_TYPE,
        CONSOLIDATION_REQUEST_TYPE,
    }
    if unknown:
        raise BuilderError(f"unknown execution request types {sorted(unknown)}")
    return ExecutionRequests(
        deposits=tuple(
            _deposit_request(item)
            for item in _items(by_type, DEPOSIT_REQUEST_TYPE, DEPOSIT_REQUEST_SIZE)
        ),
        withdrawals=tuple(
            _withdrawal_request(item)
            for item in _items(
                by_type, WITHDRAWAL_REQUEST_TYPE, WITHDRAWAL_REQUEST_SIZE
            )
        ),
        consolidations=tuple(
            _consolidation_request(item)
            for item in _items(
                by_type, CONSOLIDATION_REQUEST_TYPE, CONSOLIDATION_REQUEST_SIZE
            )
        ),
    )


def parse_builder_requests(requests: Sequence[bytes]) -> dict[str, Any]:
    """Type the builder deposits and exits among the request blobs [EIP-8282]."""
    by_type: dict[int, bytes] = {}
    for request in requests:
        by_type[request[0]] = by_type.get(request[0], b"") + request[1:]
    deposits = _items(
        by_type, BUILDER_DEPOSIT_REQUEST_TYPE, BUILDER_DEPOSIT_REQUEST_SIZE
    )
    exits = _items(by_type, BUILDER_EXIT_REQUEST_TYPE, BUILDER_EXIT_REQUEST_SIZE)
    return {
        "builder_deposits": tuple(_builder_deposit_request(item) for item in deposits),
        "builder_exits": tuple(
            BuilderExitRequest(item[:ADDRESS_SIZE], item[ADDRESS_SIZE:])
            for item in exits
        ),
    }


def _builder_deposit_request(item: bytes) -> BuilderDepositRequest:
    pubkey, rest = item[:BLS_PUBKEY_SIZE], item[BLS_PUBKEY_SIZE:]
    credentials, rest = rest[:HASH_SIZE], rest[HASH_SIZE:]
    amount, signature = rest[:UINT64_SIZE], rest[UINT64_SIZE:]
    return BuilderDepositRequest(
        pubkey, credentials, int.from_bytes(amount, "little"), signature
    )


def _check_requests_hash(
    block: BlockAPI, requests: Sequence[bytes], error: str | None
) -> None:
    """Refuse to guess the requests of a block whose import did not yield them."""
    if compute_requests_hash(requests) != getattr(block.header, "requests_hash", None):
        raise BuilderError(
            "the block's execution requests cannot be recovered from its body "
            f"(its import failed: {error})"
            if error
            else "the requests the import produced do not match the block's hash"
        )


def _items(by_type: Mapping[int, bytes], kind: int, size: int) -> list[bytes]:
    data = by_type.get(kind, b"")
    if len(data) % size:
        raise BuilderError(f"requests of type {kind} are not {size}-byte items")
    return [data[start : start + size] for start in range(0, len(data), size)]


def _deposit_request(item: bytes) -> DepositRequest:
    pubkey, rest = item[:BLS_PUBKEY_SIZE], item[BLS_PUBKEY_SIZE:]
    credentials, rest = rest[:HASH_SIZE], rest[HASH_SIZE:]
    amount, rest = rest[:UINT64_SIZE], rest[UINT64_SIZE:]
    signature, index = rest[:BLS_SIGNATURE_SIZE], rest[BLS_SIGNATURE_SIZE:]
    return DepositRequest(
        pubkey=pubkey,
        withdrawal_credentials=credentials,
        amount=int.from_bytes(amount, "little"),
        signature=signature,
        index=int.from_bytes(index, "little"),
    )


def _withdrawal_request(item: bytes) -> WithdrawalRequest:
    source, rest = item[:ADDRESS_SIZE], item[ADDRESS_SIZE:]
    pubkey, amount = rest[:BLS_PUBKEY_SIZE], rest[BLS_PUBKEY_SIZE:]
    return WithdrawalRequest(source, pubkey, int.from_bytes(amount, "little"))


def _consolidation_request(item: bytes) -> ConsolidationRequest:
    source, rest = item[:ADDRESS_SIZE], item[ADDRESS_SIZE:]
    return ConsolidationRequest(source, rest[:BLS_PUBKEY_SIZE], rest[BLS_PUBKEY_SIZE:])


def replay_with_py_evm(
    built: BuiltInput,
    fork: ProtocolFork,
    chain_id: int,
    chain_config: ChainConfig | None = None,
) -> str | None:
    """
    Import the block with plain py-evm over the witness alone.

    Return None when the import succeeds, else why it failed: a host-side
    check that the witness suffices, independent of the guest pipeline.
    """
    witness = built.stateless_input.witness
    memory = MemoryDB()
    for preimage in witness.state + witness.codes:
        memory[keccak(preimage)] = preimage
    database = AtomicDB(memory)
    headers = [_decode_header(header) for header in witness.headers]
    AmsterdamChainDB(database).persist_header_chain(
        headers, genesis_parent_hash=headers[0].parent_hash
    )
    chain_class = Chain.configure(
        __name__="ReplayChain",
        vm_configuration=(
            (0, vm_class_for(fork, chain_config or chain_config_for(chain_id))),
        ),
        chain_id=chain_id,
        chaindb_class=AmsterdamChainDB,
    )
    try:
        chain_class(database).import_block(built.block)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def parent_hash_matches(stateless_input: StatelessInput) -> bool:
    """Tell whether the last witness header hashes to the payload's parent."""
    headers = stateless_input.witness.headers
    payload = stateless_input.new_payload_request.execution_payload
    return bool(headers) and keccak(headers[-1]) == payload.parent_hash
