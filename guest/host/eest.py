"""
Stateless inputs from execution-spec-tests (EEST) blockchain tests.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

An EEST blockchain test is a chain: a genesis (``pre`` plus
``genesisBlockHeader`` / ``genesisRLP``) and blocks, each either valid or
marked with ``expectException``. ``iter_blockchain_test_blocks`` replays the
chain with the host builder and yields one ``BuiltBlock`` per block: its
stateless input, what the fixture expects of it, and, for the last valid
block, the fixture's final state root and block hash. Valid blocks advance
the state; invalid ones do not.

Both layouts are read: ``blocks[].rlp`` (``blockchain_test``) and
``engineNewPayloads[].params`` (``blockchain_test_engine``: execution
payload, versioned hashes, parent beacon block root, execution requests),
whose request is used verbatim.

A block that cannot be turned into an input carries a ``skip_reason``
instead: a network before Paris (the schemas start there), a test that uses
the draft [EIP-2935] history address (see ``shared/eest/README.md``), a
block whose RLP does not decode, or a block after one that py-evm could not
import although the fixture says it is valid.

``BuiltBlock.judge`` is how a runner grades the guest's verdict: validity
must match, a refusal must name one of the expected exceptions, and a
successful last valid block must carry the fixture's final state root.

[EIP-2935]: https://eips.ethereum.org/EIPS/eip-2935
"""

import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rlp
from eth.abc import BlockAPI, BlockHeaderAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_UNCLE_HASH
from eth.db.trie import make_trie_root_and_nodes
from eth.vm.forks.prague.blocks import PragueBackwardsHeader
from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
)

from ..forks import vm_class_for
from ..forks.prague import compute_requests_hash
from ..schema import (
    ExecutionPayload,
    NewPayloadRequest,
    ProtocolFork,
    Withdrawal,
    serialize_stateless_input,
)
from ..stateless_guest import Verdict
from .builder import (
    BLOCKHASH_WINDOW,
    AccountState,
    BuilderError,
    BuiltInput,
    build_stateless_input,
    parse_execution_requests,
    state_store_from_alloc,
)

DRAFT_HISTORY_STORAGE_ADDRESS = "0x0f792be4b0c0cb4dae440ef133e90c0ecd48cccc"
REQUEST_CONTRACT_ADDRESSES = (
    "0x" + WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS.hex(),
    "0x" + CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS.hex(),
)
TRANSITION_TIMESTAMP = 15_000
DEFAULT_CHAIN_ID = 1
EXCEPTION_SEPARATOR = "|"

LATER_EXCEPTION_NAMES: dict[str, tuple[str, ...]] = {
    "TransactionException.INTRINSIC_GAS_TOO_LOW": (
        "TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
    ),
    "TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED": (
        "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED",
    ),
    "BlockException.INVALID_REQUESTS": ("StatelessException.BLOCK_HASH_MISMATCH",),
}
"""
Names under which the guest refuses what older or stateful fixtures file
under another name.

- A gas limit below the [EIP-7623] calldata floor was ``INTRINSIC_GAS_TOO_LOW``
  until EEST named it ``INTRINSIC_GAS_BELOW_FLOOR_GAS_COST``; the 2025-02
  fixtures use the older name.
- Before Osaka there is no per-transaction blob limit: a transaction with
  more blobs than a block may hold is refused by the block's blob-gas rule,
  as the execution specs do (``BlobGasLimitExceededError``, EEST's
  ``TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED``); the 2025-02 fixtures name
  it by the count.
- The stateless guest rebuilds the header's ``requests_hash`` from the
  request's execution requests, so requests that disagree with the header
  the client committed to surface as a block-hash mismatch, the first check
  of the execution specs' stateless guest, not as ``INVALID_REQUESTS``.

[EIP-7623]: https://eips.ethereum.org/EIPS/eip-7623
"""

NETWORK_FORKS: dict[str, tuple[ProtocolFork, ProtocolFork | None]] = {
    "Paris": (ProtocolFork.Paris, None),
    "Merge": (ProtocolFork.Paris, None),
    "Shanghai": (ProtocolFork.Shanghai, None),
    "Cancun": (ProtocolFork.Cancun, None),
    "Prague": (ProtocolFork.Prague, None),
    "Osaka": (ProtocolFork.Osaka, None),
    "ParisToShanghaiAtTime15k": (ProtocolFork.Paris, ProtocolFork.Shanghai),
    "ShanghaiToCancunAtTime15k": (ProtocolFork.Shanghai, ProtocolFork.Cancun),
    "CancunToPragueAtTime15k": (ProtocolFork.Cancun, ProtocolFork.Prague),
    "PragueToOsakaAtTime15k": (ProtocolFork.Prague, ProtocolFork.Osaka),
}
"""Network name to (fork, fork from timestamp 15,000 on)."""

HEADER_FIELDS = (
    ("parentHash", bytes),
    ("uncleHash", bytes),
    ("coinbase", bytes),
    ("stateRoot", bytes),
    ("transactionsTrie", bytes),
    ("receiptTrie", bytes),
    ("bloom", bytes),
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
"""Header fields in RLP order, as the fixtures' JSON names them."""


@dataclass(frozen=True)
class BuiltBlock:
    """Hold one fixture block as a stateless input, with its expectations."""

    name: str
    """``<test name>::block<N>`` (N counts from 1)."""
    input_bytes: bytes | None
    """The guest input, or None when the block was skipped."""
    expect_valid: bool
    expect_exceptions: tuple[str, ...]
    """The fixture's exception names (``expectException`` split on '|')."""
    skip_reason: str | None = None
    is_last_valid: bool = False
    """True on the last block the fixture expects to be valid."""
    post_state_root: bytes | None = None
    """The state root the block commits to (its payload's ``state_root``)."""
    block_hash: bytes | None = None
    expected_post_state_root: bytes | None = None
    """On the last valid block: the root of the fixture's ``postState``."""
    expected_last_block_hash: bytes | None = None
    """On the last valid block: the fixture's ``lastblockhash``."""
    host_execution_error: str | None = None
    """Why py-evm refused the block while its witness was recorded."""
    built: BuiltInput | None = field(default=None, repr=False, compare=False)
    """The builder's result (py-evm block and input), for host-side checks."""

    def judge(self, verdict: Verdict) -> str | None:
        """Return None when the guest's verdict passes, else why it fails."""
        if self.skip_reason is not None:
            return f"skipped: {self.skip_reason}"
        success = verdict.result.successful_validation and verdict.status == "valid"
        if self.expect_valid and not success:
            return f"valid block refused ({verdict.describe()})"
        if not self.expect_valid:
            if success:
                return "invalid block accepted"
            reason = verdict.refusal.reason if verdict.refusal else verdict.status
            if reason not in self.expect_exceptions:
                expected = EXCEPTION_SEPARATOR.join(self.expect_exceptions)
                return f"refused as {reason}, expected {expected}"
        if self.is_last_valid:
            return self._final_state_mismatch()
        return None

    def _final_state_mismatch(self) -> str | None:
        if (
            self.expected_post_state_root is not None
            and self.post_state_root != self.expected_post_state_root
        ):
            return "final state root differs from the fixture's postState"
        if (
            self.expected_last_block_hash is not None
            and self.block_hash != self.expected_last_block_hash
        ):
            return "final block hash differs from the fixture's lastblockhash"
        return None


def iter_blockchain_test_blocks(
    name: str, test_json: Mapping[str, Any]
) -> Iterator[BuiltBlock]:
    """Yield one ``BuiltBlock`` per block of an EEST blockchain test."""
    entries = _block_entries(test_json)
    reason = unsupported_reason(test_json)
    if reason is not None:
        for index, entry in enumerate(entries, 1):
            yield _skipped(name, index, entry, reason)
        return
    yield from _ChainReplay(name, test_json).run(entries)


def extract_fixtures(
    archive: Path, directory: Path, members: Sequence[str] = ()
) -> list[Path]:
    """Unpack fixture JSON files (all, or the named members) of a ``.tar.xz``."""
    with tarfile.open(archive, "r:xz") as tar:
        wanted = set(members)
        chosen = [
            info
            for info in tar.getmembers()
            if info.isfile()
            and info.name.endswith(".json")
            and (not wanted or info.name.removeprefix("./") in wanted)
        ]
        tar.extractall(directory, members=chosen, filter="data")
    return sorted(directory / info.name for info in chosen)


def unsupported_reason(test_json: Mapping[str, Any]) -> str | None:
    """Say why a test cannot become stateless inputs, or None if it can."""
    network = test_json.get("network", "")
    if network not in NETWORK_FORKS:
        return f"network {network} is not supported (the schemas start at Paris)"
    if DRAFT_HISTORY_STORAGE_ADDRESS in (a.lower() for a in test_json["pre"]):
        return (
            "pre-state deploys the draft EIP-2935 history contract at "
            f"{DRAFT_HISTORY_STORAGE_ADDRESS}: its roots predate final Prague"
        )
    missing = _missing_request_contracts(network, test_json["pre"])
    if missing:
        return (
            f"pre-state lacks the request system contract(s) {', '.join(missing)}: "
            "the fixture predates the final EIP-7002/EIP-7251 rule that a "
            "Prague block without them is invalid"
        )
    return None


def _missing_request_contracts(network: str, pre: Mapping[str, Any]) -> list[str]:
    fork, later_fork = NETWORK_FORKS[network]
    if max(fork, later_fork or fork) < ProtocolFork.Prague:
        return []
    deployed = {
        a.lower() for a, account in pre.items() if account.get("code", "0x") != "0x"
    }
    return [
        address for address in REQUEST_CONTRACT_ADDRESSES if address not in deployed
    ]


def fork_at(network: str, timestamp: int) -> ProtocolFork:
    """Return the fork that a network applies at a block timestamp."""
    fork, later_fork = NETWORK_FORKS[network]
    if later_fork is not None and timestamp >= TRANSITION_TIMESTAMP:
        return later_fork
    return fork


def alloc_from_json(pre: Mapping[str, Any]) -> dict[bytes, AccountState]:
    """Read a fixture's ``pre`` or ``postState`` as an allocation."""
    return {
        _bytes(address): AccountState(
            nonce=_int(account.get("nonce", "0x0")),
            balance=_int(account.get("balance", "0x0")),
            code=_bytes(account.get("code", "0x")),
            storage={
                _int(slot): _int(value)
                for slot, value in account.get("storage", {}).items()
            },
        )
        for address, account in pre.items()
    }


def header_from_json(fields: Mapping[str, Any]) -> BlockHeaderAPI:
    """Encode a fixture's header JSON, stopping at the fork's last field."""
    values: list[Any] = []
    for key, kind in HEADER_FIELDS:
        if key not in fields:
            break
        values.append(_bytes(fields[key]) if kind is bytes else _int(fields[key]))
    return rlp.decode(rlp.encode(values), sedes=PragueBackwardsHeader)


# Replaying a chain.


def _block_entries(test_json: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return test_json.get("blocks") or test_json.get("engineNewPayloads") or ()


def _expected_exceptions(entry: Mapping[str, Any]) -> tuple[str, ...]:
    text = entry.get("expectException") or entry.get("validationError") or ""
    names = [part.strip() for part in text.split(EXCEPTION_SEPARATOR) if part]
    for name in list(names):
        names += [n for n in LATER_EXCEPTION_NAMES.get(name, ()) if n not in names]
    return tuple(names)


def _skipped(
    name: str, index: int, entry: Mapping[str, Any], reason: str
) -> BuiltBlock:
    exceptions = _expected_exceptions(entry)
    return BuiltBlock(
        name=_block_name(name, index),
        input_bytes=None,
        expect_valid=not exceptions,
        expect_exceptions=exceptions,
        skip_reason=reason,
    )


def _block_name(name: str, index: int) -> str:
    return f"{name}::block{index}"


class _ChainReplay:
    """Replay one test's chain, keeping the full state of its head."""

    def __init__(self, name: str, test_json: Mapping[str, Any]) -> None:
        self.name = name
        self.test_json = test_json
        self.network = test_json["network"]
        config = test_json.get("config", {})
        self.chain_id = _int(config.get("chainid", hex(DEFAULT_CHAIN_ID)))
        root, self.store = state_store_from_alloc(alloc_from_json(test_json["pre"]))
        genesis = _genesis_header(test_json)
        if genesis.state_root != root:
            raise BuilderError("the pre-state does not match the genesis state root")
        self.headers: list[BlockHeaderAPI] = [genesis]

    def run(self, entries: Sequence[Mapping[str, Any]]) -> Iterator[BuiltBlock]:
        last_valid = max(
            (i for i, e in enumerate(entries, 1) if not _expected_exceptions(e)),
            default=None,
        )
        broken: str | None = None
        for index, entry in enumerate(entries, 1):
            if broken is not None:
                yield _skipped(self.name, index, entry, broken)
                continue
            built = self._build(index, entry, index == last_valid)
            if built.expect_valid and built.host_execution_error is not None:
                broken = (
                    f"block {index} of the chain could not be imported by py-evm "
                    f"({built.host_execution_error.splitlines()[0]})"
                )
            yield built

    def _build(
        self, index: int, entry: Mapping[str, Any], is_last_valid: bool
    ) -> BuiltBlock:
        exceptions = _expected_exceptions(entry)
        if "params" in entry:
            mismatch = _engine_shape_mismatch(
                self.network, entry["params"][0]
            ) or _non_canonical_requests(entry["params"])
            if mismatch is not None:
                return _skipped(self.name, index, entry, mismatch)
        try:
            block, requests = self._block_and_requests(entry)
        except Exception as error:  # any undecodable block is skipped, not fatal
            reason = f"block cannot be formed: {type(error).__name__}: {error}"
            return _skipped(self.name, index, entry, reason)
        fork = fork_at(self.network, block.header.timestamp)
        try:
            built = build_stateless_input(
                fork, self.chain_id, self.store, self.headers, block, requests
            )
        except BuilderError as error:
            return _skipped(self.name, index, entry, str(error))
        stateless_input = built.stateless_input
        if "params" in entry:
            request = _engine_request(fork, entry["params"])
            stateless_input = replace(stateless_input, new_payload_request=request)
        payload = stateless_input.new_payload_request.execution_payload
        if not exceptions and built.imported:
            self.store = {**self.store, **built.state_writes}
            self.headers = [*self.headers, block.header][-BLOCKHASH_WINDOW:]
        return BuiltBlock(
            name=_block_name(self.name, index),
            input_bytes=serialize_stateless_input(stateless_input),
            expect_valid=not exceptions,
            expect_exceptions=exceptions,
            is_last_valid=is_last_valid,
            post_state_root=payload.state_root,
            block_hash=payload.block_hash,
            expected_post_state_root=(
                self._expected_post_state_root() if is_last_valid else None
            ),
            expected_last_block_hash=(
                _bytes(self.test_json["lastblockhash"]) if is_last_valid else None
            ),
            host_execution_error=built.execution_error,
            built=built,
        )

    def _block_and_requests(
        self, entry: Mapping[str, Any]
    ) -> tuple[BlockAPI, Sequence[bytes] | None]:
        if "params" in entry:
            return _engine_block(self.network, entry["params"])
        data = _bytes(entry["rlp"])
        timestamp = _rlp_timestamp(data)
        vm_class = vm_class_for(fork_at(self.network, timestamp))
        return rlp.decode(data, sedes=vm_class.get_block_class()), None

    def _expected_post_state_root(self) -> bytes | None:
        if "postStateHash" in self.test_json:
            return _bytes(self.test_json["postStateHash"])
        if "postState" in self.test_json:
            post = alloc_from_json(self.test_json["postState"])
            return state_store_from_alloc(post)[0]
        return None


def _genesis_header(test_json: Mapping[str, Any]) -> BlockHeaderAPI:
    if "genesisRLP" in test_json:
        header_rlp = rlp.encode(rlp.decode(_bytes(test_json["genesisRLP"]))[0])
        return rlp.decode(header_rlp, sedes=PragueBackwardsHeader)
    header = header_from_json(test_json["genesisBlockHeader"])
    expected = test_json["genesisBlockHeader"].get("hash")
    if expected is not None and header.hash != _bytes(expected):
        raise BuilderError("the genesis header JSON does not hash to its hash")
    return header


def _rlp_timestamp(block_rlp: bytes) -> int:
    header_fields = rlp.decode(block_rlp)[0]
    return int.from_bytes(header_fields[11], "big")


# The Engine API layout.


def _engine_block(
    network: str, params: Sequence[Any]
) -> tuple[BlockAPI, Sequence[bytes] | None]:
    """Assemble the block an ``engine_newPayload`` call describes."""
    payload = params[0]
    timestamp = _int(payload["timestamp"])
    block_class = vm_class_for(fork_at(network, timestamp)).get_block_class()
    transaction_builder = block_class.get_transaction_builder()
    transactions = [
        transaction_builder.decode(_bytes(data)) for data in payload["transactions"]
    ]
    requests = [_bytes(r) for r in params[3]] if len(params) > 3 else None
    fields: dict[str, Any] = {
        "parentHash": payload["parentHash"],
        "uncleHash": "0x" + EMPTY_UNCLE_HASH.hex(),
        "coinbase": payload["feeRecipient"],
        "stateRoot": payload["stateRoot"],
        "transactionsTrie": "0x" + _trie_root(transactions).hex(),
        "receiptTrie": payload["receiptsRoot"],
        "bloom": payload["logsBloom"],
        "difficulty": "0x0",
        "number": payload["blockNumber"],
        "gasLimit": payload["gasLimit"],
        "gasUsed": payload["gasUsed"],
        "timestamp": payload["timestamp"],
        "extraData": payload["extraData"],
        "mixHash": payload["prevRandao"],
        "nonce": "0x0000000000000000",
        "baseFeePerGas": payload["baseFeePerGas"],
    }
    withdrawals = None
    if "withdrawals" in payload:
        withdrawal_class = _block_field_sedes(block_class, "withdrawals").element_sedes
        withdrawals = [
            withdrawal_class(
                _int(w["index"]),
                _int(w["validatorIndex"]),
                _bytes(w["address"]),
                _int(w["amount"]),
            )
            for w in payload["withdrawals"]
        ]
        fields["withdrawalsRoot"] = "0x" + _trie_root(withdrawals).hex()
    if "blobGasUsed" in payload:
        fields["blobGasUsed"] = payload["blobGasUsed"]
        fields["excessBlobGas"] = payload["excessBlobGas"]
        fields["parentBeaconBlockRoot"] = params[2]
    if requests is not None:
        fields["requestsHash"] = "0x" + compute_requests_hash(requests).hex()
    header = header_from_json(fields)
    header = rlp.decode(
        rlp.encode(header), sedes=_block_field_sedes(block_class, "header")
    )
    body: dict[str, Any] = {"header": header, "transactions": transactions}
    if withdrawals is not None:
        body["withdrawals"] = withdrawals
    return block_class(**body), requests


def _engine_shape_mismatch(network: str, payload: Mapping[str, Any]) -> str | None:
    """Say why a payload has fields its fork's schema cannot carry, if it has."""
    fork = fork_at(network, _int(payload["timestamp"]))
    shape = {
        "withdrawals": fork >= ProtocolFork.Shanghai,
        "blobGasUsed": fork >= ProtocolFork.Cancun,
        "excessBlobGas": fork >= ProtocolFork.Cancun,
    }
    wrong = [name for name, expected in shape.items() if (name in payload) != expected]
    if not wrong:
        return None
    return (
        f"the payload's {', '.join(wrong)} do not fit the {fork.name} schema: "
        "the request cannot be expressed as a stateless input"
    )


def _non_canonical_requests(params: Sequence[Any]) -> str | None:
    """
    Say why sent requests have no SSZ form, if they have none.

    The SSZ request holds one list per request type, so only a list of
    non-empty blobs in strictly increasing type order, each a whole number of
    items, can be carried ([EIP-7685]).

    [EIP-7685]: https://eips.ethereum.org/EIPS/eip-7685
    """
    if len(params) < 4:
        return None
    requests = [_bytes(r) for r in params[3]]
    types = [request[0] for request in requests if request]
    canonical = all(len(r) > 1 for r in requests) and types == sorted(set(types))
    if canonical:
        try:
            parse_execution_requests(requests)
        except BuilderError:
            canonical = False
    if canonical:
        return None
    return (
        "the sent executionRequests are not one non-empty list per type in type "
        "order: the SSZ request cannot carry them"
    )


def _engine_request(fork: ProtocolFork, params: Sequence[Any]) -> NewPayloadRequest:
    """Take the request as the consensus layer sent it, not as rebuilt."""
    payload = params[0]
    has_blobs = fork >= ProtocolFork.Cancun
    execution_payload = ExecutionPayload(
        parent_hash=_bytes(payload["parentHash"]),
        fee_recipient=_bytes(payload["feeRecipient"]),
        state_root=_bytes(payload["stateRoot"]),
        receipts_root=_bytes(payload["receiptsRoot"]),
        logs_bloom=_bytes(payload["logsBloom"]),
        prev_randao=_bytes(payload["prevRandao"]),
        block_number=_int(payload["blockNumber"]),
        gas_limit=_int(payload["gasLimit"]),
        gas_used=_int(payload["gasUsed"]),
        timestamp=_int(payload["timestamp"]),
        extra_data=_bytes(payload["extraData"]),
        base_fee_per_gas=_int(payload["baseFeePerGas"]),
        block_hash=_bytes(payload["blockHash"]),
        transactions=tuple(_bytes(data) for data in payload["transactions"]),
        withdrawals=(
            tuple(
                Withdrawal(
                    _int(w["index"]),
                    _int(w["validatorIndex"]),
                    _bytes(w["address"]),
                    _int(w["amount"]),
                )
                for w in payload["withdrawals"]
            )
            if fork >= ProtocolFork.Shanghai
            else None
        ),
        blob_gas_used=_int(payload["blobGasUsed"]) if has_blobs else None,
        excess_blob_gas=_int(payload["excessBlobGas"]) if has_blobs else None,
    )
    if not has_blobs:
        return NewPayloadRequest(execution_payload)
    versioned_hashes = tuple(_bytes(h) for h in params[1])
    beacon_root = _bytes(params[2])
    if fork < ProtocolFork.Prague:
        return NewPayloadRequest(execution_payload, versioned_hashes, beacon_root)
    requests = parse_execution_requests([_bytes(r) for r in params[3]])
    return NewPayloadRequest(execution_payload, versioned_hashes, beacon_root, requests)


def _block_field_sedes(block_class: type[BlockAPI], name: str) -> Any:
    meta: Any = getattr(block_class, "_meta")  # noqa: B009 (rlp class metadata)
    return dict(meta.fields)[name]


def _trie_root(items: Sequence[Any]) -> bytes:
    if not items:
        return BLANK_ROOT_HASH
    return make_trie_root_and_nodes(items)[0]


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)


def _int(text: str | int) -> int:
    return text if isinstance(text, int) else int(text, 16)
