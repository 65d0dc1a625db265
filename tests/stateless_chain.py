"""
A small py-evm chain for the validation-pipeline tests.

The chain has funded senders, a contract whose call deletes one of its two
storage slots (so the storage trie collapses into the sibling leaf), a
contract that stores ``BLOCKHASH(NUMBER - 3)`` and the beacon-roots contract
from Cancun on. ``make_input`` builds a block on it with full state, records
the keys the import read (py-evm's ``meta_witness``) and turns the block and
those preimages into a stateless input.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import rlp
from eth.abc import BlockAPI, BlockHeaderAPI, SignedTransactionAPI, VirtualMachineAPI
from eth.chains.base import Chain
from eth.db.atomic import AtomicDB
from eth.vm.forks.cancun.constants import (
    BEACON_ROOTS_ADDRESS,
    BEACON_ROOTS_CONTRACT_CODE,
)
from eth.vm.forks.shanghai.withdrawals import Withdrawal as PyEvmWithdrawal
from eth_keys import keys
from eth_utils import keccak

from guest.schema import (
    ExecutionPayload,
    ExecutionRequests,
    ExecutionWitness,
    NewPayloadRequest,
    ProtocolFork,
    StatelessInput,
    Withdrawal,
    schema_id_of,
)

CHAIN_ID = 1
GAS_LIMIT = 30_000_000
GAS_PRICE = 10**10
GENESIS_TIMESTAMP = 1_700_000_000
SENDER_COUNT = 110

SENDER_KEYS = tuple(
    keys.PrivateKey(keccak(b"sender %d" % i)) for i in range(SENDER_COUNT)
)
SENDERS = tuple(key.public_key.to_canonical_address() for key in SENDER_KEYS)

COLLAPSE_CONTRACT = bytes.fromhex("c0" * 19 + "01")
COLLAPSE_CODE = bytes.fromhex("6000600055" + "00")
"""``SSTORE(0, 0)``: deletes slot 0, leaving slot 1 alone in the trie."""
BLOCKHASH_CONTRACT = bytes.fromhex("c0" * 19 + "02")
BLOCKHASH_CODE = bytes.fromhex("6003430340" + "600055" + "00")
"""``SSTORE(0, BLOCKHASH(NUMBER - 3))``."""
BLOCKHASH_DEPTH = 3


def recipient(index: int) -> bytes:
    """Return a fresh address that no genesis account uses."""
    return keccak(b"recipient %d" % index)[:20]


def genesis_state(fork: ProtocolFork) -> dict[bytes, dict]:
    """Fund the senders and install the test contracts."""
    state: dict[bytes, dict] = {
        sender: {"balance": 10**21, "nonce": 0, "code": b"", "storage": {}}
        for sender in SENDERS
    }
    state[COLLAPSE_CONTRACT] = {
        "balance": 0,
        "nonce": 1,
        "code": COLLAPSE_CODE,
        "storage": {0: 1, 1: 2},
    }
    state[BLOCKHASH_CONTRACT] = {
        "balance": 0,
        "nonce": 1,
        "code": BLOCKHASH_CODE,
        "storage": {},
    }
    if fork >= ProtocolFork.Cancun:
        state[BEACON_ROOTS_ADDRESS] = {
            "balance": 0,
            "nonce": 1,
            "code": BEACON_ROOTS_CONTRACT_CODE,
            "storage": {},
        }
    return state


@dataclass
class LocalChain:
    """Hold a chain and its database."""

    fork: ProtocolFork
    vm_class: type[VirtualMachineAPI]
    chain: Chain
    db: AtomicDB
    nonces: dict[bytes, int]

    @property
    def head(self) -> BlockHeaderAPI:
        """Return the newest header."""
        return self.chain.get_canonical_head()

    def ancestors(self, count: int) -> tuple[BlockHeaderAPI, ...]:
        """Return the newest `count` headers, oldest first."""
        headers = [self.head]
        while len(headers) < count and headers[-1].block_number > 0:
            headers.append(self.chain.get_block_header_by_hash(headers[-1].parent_hash))
        return tuple(reversed(headers))


def new_chain(
    fork: ProtocolFork, vm_class: type[VirtualMachineAPI], empty_blocks: int = 4
) -> LocalChain:
    """Start a chain at genesis and add some empty blocks."""
    chain_class = Chain.configure(vm_configuration=((0, vm_class),), chain_id=CHAIN_ID)
    db = AtomicDB()
    genesis_params = {
        "difficulty": 0,
        "gas_limit": GAS_LIMIT,
        "timestamp": GENESIS_TIMESTAMP,
        "nonce": b"\x00" * 8,
    }
    chain = chain_class.from_genesis(db, genesis_params, genesis_state(fork))
    test_chain = LocalChain(fork, vm_class, chain, db, {})
    for _ in range(empty_blocks):
        add_block(test_chain, [])
    return test_chain


def transfer(
    test_chain: LocalChain, sender_index: int, to: bytes, value: int
) -> SignedTransactionAPI:
    """Sign a legacy value transfer (or call) from a funded sender."""
    sender = SENDERS[sender_index]
    nonce = test_chain.nonces.get(sender, 0)
    test_chain.nonces[sender] = nonce + 1
    unsigned = test_chain.vm_class.create_unsigned_transaction(
        nonce=nonce, gas_price=GAS_PRICE, gas=100_000, to=to, value=value, data=b""
    )
    return unsigned.as_signed_transaction(SENDER_KEYS[sender_index], chain_id=CHAIN_ID)


def _header_fields(test_chain: LocalChain) -> dict:
    parent = test_chain.head
    fields: dict = {
        "timestamp": parent.timestamp + 12,
        "gas_limit": GAS_LIMIT,
        "coinbase": b"\xc0\x1b" * 10,
        "mix_hash": keccak(b"randao %d" % parent.block_number),
    }
    if test_chain.fork >= ProtocolFork.Cancun:
        fields["parent_beacon_block_root"] = keccak(b"beacon %d" % parent.block_number)
    return fields


def build_block(
    test_chain: LocalChain,
    transactions: Sequence[SignedTransactionAPI],
    withdrawals: Sequence[PyEvmWithdrawal] = (),
) -> BlockAPI:
    """Fill a block template with full state; nothing is persisted."""
    parent = test_chain.head
    header = test_chain.chain.create_header_from_parent(
        parent, **_header_fields(test_chain)
    )
    vm = test_chain.chain.get_vm(header)
    block_class = vm.get_block_class()
    body: dict = {"transactions": list(transactions), "uncles": []}
    if test_chain.fork >= ProtocolFork.Shanghai:
        body["withdrawals"] = list(withdrawals)
    template = block_class(header, **body)
    return vm.import_block(template).block


def add_block(
    test_chain: LocalChain,
    transactions: Sequence[SignedTransactionAPI],
    withdrawals: Sequence[PyEvmWithdrawal] = (),
) -> tuple[BlockAPI, frozenset[bytes]]:
    """Build and import a block; return it with the DB keys its import read."""
    block = build_block(test_chain, transactions, withdrawals)
    result = test_chain.chain.import_block(block)
    return block, frozenset(result.meta_witness.hashes)


def encode_transaction(transaction: SignedTransactionAPI) -> bytes:
    """Return the EIP-2718 bytes of a transaction (a legacy one as its RLP)."""
    encoded = transaction.encode()
    return encoded if isinstance(encoded, bytes) else rlp.encode(transaction)


def payload_of(fork: ProtocolFork, block: BlockAPI) -> ExecutionPayload:
    """Describe a block as an execution payload."""
    header = block.header
    payload = ExecutionPayload(
        parent_hash=header.parent_hash,
        fee_recipient=header.coinbase,
        state_root=header.state_root,
        receipts_root=header.receipt_root,
        logs_bloom=header.bloom.to_bytes(256, "big"),
        prev_randao=header.mix_hash,
        block_number=header.block_number,
        gas_limit=header.gas_limit,
        gas_used=header.gas_used,
        timestamp=header.timestamp,
        extra_data=header.extra_data,
        base_fee_per_gas=header.base_fee_per_gas,
        block_hash=header.hash,
        transactions=tuple(encode_transaction(tx) for tx in block.transactions),
    )
    if fork >= ProtocolFork.Shanghai:
        payload = replace(
            payload,
            withdrawals=tuple(
                Withdrawal(w.index, w.validator_index, w.address, w.amount)
                for w in block.withdrawals
            ),
        )
    if fork >= ProtocolFork.Cancun:
        payload = replace(
            payload,
            blob_gas_used=header.blob_gas_used,
            excess_blob_gas=header.excess_blob_gas,
        )
    return payload


def request_of(fork: ProtocolFork, block: BlockAPI) -> NewPayloadRequest:
    """Describe a block as a new-payload request (no blobs, no requests)."""
    payload = payload_of(fork, block)
    if fork < ProtocolFork.Cancun:
        return NewPayloadRequest(payload)
    requests = ExecutionRequests((), (), ()) if fork >= ProtocolFork.Prague else None
    return NewPayloadRequest(
        payload,
        versioned_hashes=(),
        parent_beacon_block_root=block.header.parent_beacon_block_root,
        execution_requests=requests,
    )


@dataclass(frozen=True)
class BuiltCase:
    """Hold a stateless input with what was known when it was built."""

    stateless_input: StatelessInput
    block: BlockAPI
    code_hashes: frozenset[bytes]


def make_input(
    test_chain: LocalChain,
    transactions: Sequence[SignedTransactionAPI],
    withdrawals: Sequence[PyEvmWithdrawal] = (),
    header_count: int = BLOCKHASH_DEPTH,
) -> BuiltCase:
    """Import a block with full state and build its stateless input."""
    fork = test_chain.fork
    ancestors = test_chain.ancestors(header_count)
    state_db = test_chain.db
    block, read_keys = add_block(test_chain, transactions, withdrawals)
    code_hashes = frozenset(
        keccak(account["code"])
        for account in genesis_state(fork).values()
        if account["code"]
    )
    preimages = {key: state_db[key] for key in read_keys}
    witness = ExecutionWitness(
        state=tuple(sorted(v for k, v in preimages.items() if k not in code_hashes)),
        codes=tuple(sorted(v for k, v in preimages.items() if k in code_hashes)),
        headers=tuple(rlp.encode(header) for header in ancestors),
    )
    stateless_input = StatelessInput(
        new_payload_request=request_of(fork, block),
        witness=witness,
        chain_id=CHAIN_ID,
        schema_id=schema_id_of(fork),
    )
    return BuiltCase(stateless_input, block, code_hashes)


def typical_transactions(
    test_chain: LocalChain, transfers: int
) -> list[SignedTransactionAPI]:
    """Value transfers to new accounts, then the collapse and BLOCKHASH calls."""
    transactions = [
        transfer(test_chain, index % SENDER_COUNT, recipient(index), 10**15 + index)
        for index in range(transfers)
    ]
    transactions.append(transfer(test_chain, SENDER_COUNT - 1, COLLAPSE_CONTRACT, 0))
    transactions.append(transfer(test_chain, SENDER_COUNT - 2, BLOCKHASH_CONTRACT, 0))
    return transactions
