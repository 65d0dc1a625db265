"""
Scenario builder: describe a pre-state and a block, get a real chain.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A ``Scenario`` names the accounts of a pre-state (balance, nonce, code,
storage) and the content of one block: transactions of every type (legacy,
access-list [EIP-2930], dynamic-fee [EIP-1559], blob [EIP-4844] and set-code
[EIP-7702]; calls and contract creations), withdrawals [EIP-4895], and the
blob gas of the parent. ``build_scenario`` turns it into a real chain with
py-evm, using the VM that ``guest.forks.vm_class_for`` gives for the fork:
a genesis block, as many empty ancestors as the scenario asks for, and the
test block. Roots, receipts, gas, bloom and requests are whatever the fork's
rules compute: importing a template block without validation fills them in.

Senders and authorities are small integers: ``private_key(seed)`` derives a
deterministic key from each, so every build of a scenario gives the same
bytes. Every sender gets a funded account unless the scenario lists it. The
system contracts a fork calls (beacon roots [EIP-4788], block history
[EIP-2935], withdrawal requests [EIP-7002], consolidation requests
[EIP-7251]) are added to every pre-state from that fork on.

``check_with_eels`` replays the chain with the Python execution
specification (``ethereum-execution``) for the forks it implements, so that
no block is published as valid unless the specification accepts it.
"""

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

import rlp
from eth.abc import BlockAPI, BlockHeaderAPI, ChainAPI, SignedTransactionAPI
from eth.chains.base import Chain
from eth.db.atomic import AtomicDB
from eth.db.backends.memory import MemoryDB
from eth.db.chain import ChainDB
from eth.vm.forks.cancun.constants import (
    BEACON_ROOTS_ADDRESS,
    BEACON_ROOTS_CONTRACT_CODE,
    HISTORY_BUFFER_LENGTH,
)
from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    HISTORY_SERVE_WINDOW,
    HISTORY_STORAGE_ADDRESS,
    HISTORY_STORAGE_CONTRACT_CODE,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
)
from eth.vm.forks.prague.transactions import Authorization as SignedAuthorization
from eth.vm.forks.shanghai.withdrawals import Withdrawal as PyEvmWithdrawal
from eth_keys.datatypes import PrivateKey
from eth_typing import Address, BlockNumber
from eth_utils import keccak

from ..forks import vm_class_for
from ..forks.amsterdam.system_calls import (
    BUILDER_DEPOSIT_CONTRACT_ADDRESS,
    BUILDER_EXIT_CONTRACT_ADDRESS,
)
from ..schema import MAX_WITNESS_HEADERS, ProtocolFork
from .builder import (
    AccountState,
    AmsterdamChainDB,
    BuiltInput,
    build_stateless_input,
)

CHAIN_ID = 1
GENESIS_TIMESTAMP = 1_700_000_000
SECONDS_PER_SLOT = 12
GENESIS_SLOT = 1_000
"""Beacon slot of the genesis block; each block takes the next slot ([EIP-7843])."""
GENESIS_GAS_LIMIT = 30_000_000
GENESIS_BASE_FEE = 10**9
GWEI = 10**9
ETHER = 10**18
SENDER_BALANCE = 1_000 * ETHER
DEFAULT_GAS = 200_000
MAX_FEE_PER_GAS = 30 * GWEI
MAX_PRIORITY_FEE_PER_GAS = GWEI
MAX_FEE_PER_BLOB_GAS = GWEI
COINBASE = bytes.fromhex("c014ba5e" + "00" * 16)

SET_CODE_AUTHORIZATION_MAGIC = b"\x05"
DELEGATION_DESIGNATOR_PREFIX = bytes.fromhex("ef0100")
CREATE_CONTRACT = b""

WITHDRAWAL_REQUEST_CONTRACT_CODE = bytes.fromhex(
    "3373fffffffffffffffffffffffffffffffffffffffe1460cb5760115f54807fffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffff146101f45760018202600190"
    "5f5b5f82111560685781019083028483029004916001019190604d565b909390049250505036"
    "603814608857366101f457346101f4575f5260205ff35b34106101f457600154600101600155"
    "600354806003026004013381556001015f35815560010160203590553360601b5f5260385f60"
    "1437604c5fa0600101600355005b6003546002548082038060101160df575060105b5f5b8181"
    "146101835782810160030260040181604c02815460601b815260140181600101548152602001"
    "9060020154807fffffffffffffffffffffffffffffffff000000000000000000000000000000"
    "00168252906010019060401c908160381c81600701538160301c81600601538160281c816005"
    "01538160201c81600401538160181c81600301538160101c81600201538160081c8160010153"
    "5360010160e1565b910180921461019557906002556101a0565b90505f6002555f6003555b5f"
    "54807fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff141561"
    "01cd57505f5b6001546002828201116101e25750505f6101e8565b01600290035b5f555f6001"
    "55604c025ff35b5f5ffd"
)
"""Runtime code of the withdrawal-request contract, from [EIP-7002]."""

CONSOLIDATION_REQUEST_CONTRACT_CODE = bytes.fromhex(
    "3373fffffffffffffffffffffffffffffffffffffffe1460d35760115f54807fffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffff1461019a5760018202600190"
    "5f5b5f82111560685781019083028483029004916001019190604d565b909390049250505036"
    "6060146088573661019a573461019a575f5260205ff35b341061019a57600154600101600155"
    "600354806004026004013381556001015f358155600101602035815560010160403590553360"
    "601b5f5260605f60143760745fa0600101600355005b6003546002548082038060021160e757"
    "5060025b5f5b8181146101295782810160040260040181607402815460601b81526014018160"
    "0101548152602001816002015481526020019060030154905260010160e9565b910180921461"
    "013b5790600255610146565b90505f6002555f6003555b5f54807fffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffff141561017357505f5b6001546001828201"
    "116101885750505f61018e565b01600190035b5f555f6001556074025ff35b5f5ffd"
)
"""Runtime code of the consolidation-request contract, from [EIP-7251]."""

EELS_MODULE_BY_FORK = {
    ProtocolFork.Paris: "paris",
    ProtocolFork.Shanghai: "shanghai",
    ProtocolFork.Cancun: "cancun",
    ProtocolFork.Prague: "prague",
    ProtocolFork.Osaka: "osaka",
    ProtocolFork.BPO1: "bpo1",
    ProtocolFork.BPO2: "bpo2",
}
"""The forks that ``ethereum-execution`` implements, by module name."""


class TransactionType(Enum):
    """Name the transaction envelopes a scenario can use."""

    LEGACY = 0
    ACCESS_LIST = 1
    DYNAMIC_FEE = 2
    BLOB = 3
    SET_CODE = 4


FIRST_FORK_OF_TRANSACTION_TYPE = {
    TransactionType.LEGACY: ProtocolFork.Paris,
    TransactionType.ACCESS_LIST: ProtocolFork.Paris,
    TransactionType.DYNAMIC_FEE: ProtocolFork.Paris,
    TransactionType.BLOB: ProtocolFork.Cancun,
    TransactionType.SET_CODE: ProtocolFork.Prague,
}


Account = AccountState
"""Describe one account of the pre-state: nonce, balance, code, storage."""


@dataclass(frozen=True)
class Authorization:
    """Describe one set-code authorization [EIP-7702], signed by `signer`."""

    signer: int
    address: bytes
    nonce: int | None = None
    """The signer's nonce when the authorization applies, unless given."""
    chain_id: int = CHAIN_ID


@dataclass(frozen=True)
class Transaction:
    """Describe one transaction; `to=None` creates a contract."""

    sender: int
    to: bytes | None
    type: TransactionType = TransactionType.DYNAMIC_FEE
    value: int = 0
    data: bytes = b""
    gas: int = DEFAULT_GAS
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] = ()
    blob_versioned_hashes: tuple[bytes, ...] = ()
    max_fee_per_blob_gas: int = MAX_FEE_PER_BLOB_GAS
    authorizations: tuple[Authorization, ...] = ()
    nonce: int | None = None
    """The sender's next nonce, unless given."""
    replay_protected: bool = True
    """Whether a legacy transaction signs the chain id in [EIP-155]."""


@dataclass(frozen=True)
class Withdrawal:
    """Describe one withdrawal [EIP-4895]; `amount` is in Gwei."""

    address: bytes
    amount: int
    validator_index: int = 0


@dataclass(frozen=True)
class Scenario:
    """Describe a pre-state and the block to validate on top of it."""

    pre: Mapping[bytes, Account] = field(default_factory=dict)
    transactions: Sequence[Transaction] = ()
    withdrawals: Sequence[Withdrawal] = ()
    ancestors: int = 0
    """Empty blocks between genesis and the test block."""
    gas_limit: int = GENESIS_GAS_LIMIT
    parent_excess_blob_gas: int = 0
    """Excess blob gas of the genesis block, when it is the parent."""


@dataclass(frozen=True)
class BuiltScenario:
    """Hold the chain a scenario produced, up to and including its block."""

    fork: ProtocolFork
    chain: ChainAPI
    alloc: Mapping[bytes, Account]
    """The genesis state, system contracts and funded senders included."""
    genesis: BlockAPI
    blocks: tuple[BlockAPI, ...]
    """The blocks after genesis; the last one is the test block."""
    store: Mapping[bytes, bytes]
    """Every trie node and code the chain ever held, under its hash."""

    @property
    def block(self) -> BlockAPI:
        """Return the test block."""
        return self.blocks[-1]

    @property
    def parent_header(self) -> BlockHeaderAPI:
        """Return the header the test block builds on."""
        chain = (self.genesis,) + self.blocks
        return chain[-2].header

    @property
    def ancestor_headers(self) -> tuple[BlockHeaderAPI, ...]:
        """Return every header before the test block, oldest first."""
        return tuple(block.header for block in (self.genesis,) + self.blocks[:-1])


# Keys.


@cache
def private_key(seed: int) -> PrivateKey:
    """Derive the deterministic key a scenario refers to by `seed`."""
    return PrivateKey(keccak(b"stateless-guest scenario key" + seed.to_bytes(8)))


def address_of(seed: int) -> bytes:
    """Return the address of the key `seed`."""
    return private_key(seed).public_key.to_canonical_address()


def contract_address(sender: bytes, nonce: int) -> bytes:
    """Return the address a CREATE from `sender` at `nonce` deploys to."""
    return keccak(rlp.encode([sender, nonce]))[12:]


def create2_address(deployer: bytes, salt: int, init_code: bytes) -> bytes:
    """Return the address a CREATE2 deploys to [EIP-1014]."""
    preimage = b"\xff" + deployer + salt.to_bytes(32, "big") + keccak(init_code)
    return keccak(preimage)[12:]


def delegation_designator(address: bytes) -> bytes:
    """Return the code a set-code authorization writes [EIP-7702]."""
    return DELEGATION_DESIGNATOR_PREFIX + address


# Pre-state.


ONE_DEPOSIT_QUEUE_CONTRACT_CODE = bytes.fromhex(
    "3373fffffffffffffffffffffffffffffffffffffffe14604d57"  # system? to 0x4d
    "3660b8146024575f5ffd"  # 184 bytes of call data? to 0x24, else revert
    "5b5f35600155602035600255604035600355"  # 0x24: slots 1..6 = the
    "60603560045560803560055560a035600655"  # call data, word by word
    "60015f5500"  # slot 0 = 1 (one deposit queued); stop
    "5b5f5415609657"  # 0x4d: nothing queued? to 0x96
    "6001545f52600254602052600354604052"  # memory 0..192 = slots 1..6
    "60045460605260055460805260065460a052"
    "5f5f555f6001555f6002555f6003555f6004555f6005555f600655"  # empty the queue
    "60b85ff3"  # return the 184-byte record
    "5b00"  # 0x96: stop, no request
)
"""
Stand-in for the builder deposit contract ([EIP-8282]), of our own.

The reference runtime code is published only as source in another
repository, so scenarios install this minimal contract instead. It queues
one deposit at a time: a call with the 184-byte record (public key,
withdrawal credentials, little-endian amount, signature) stores it; the
end-of-block system call returns the record and empties the queue. There is
no fee, no signature check and no per-block limit: just enough for blocks
with a builder deposit request.
"""


ONE_EXIT_QUEUE_CONTRACT_CODE = bytes.fromhex(
    "3373fffffffffffffffffffffffffffffffffffffffe14603957"  # system? to 0x39
    "366030146024575f5ffd"  # 48 bytes of call data? to 0x24, else revert
    "5b33600155"  # 0x24: slot 1 = caller
    "5f35600255602035600355"  # slots 2, 3 = the 48-byte public key
    "60015f5500"  # slot 0 = 1 (one exit queued); stop
    "5b5f5415606757"  # 0x39: nothing queued? to 0x67
    "60015460601b5f52"  # memory 0..20 = the source address
    "6002546014526003546034"  # memory 20..68 = the public key
    "525f5f555f6001555f6002555f600355"  # empty the queue
    "60445ff3"  # return the 68-byte record
    "5b00"  # 0x67: stop, no request
)
"""
Stand-in for the builder exit contract ([EIP-8282]), of our own.

It queues one exit at a time: a call with a 48-byte public key stores the
caller and the key; the end-of-block system call returns the 68-byte
record (source address, public key) and empties the queue. There is no fee
and no per-block limit: just enough for blocks with a builder exit request.
"""


def system_contracts(fork: ProtocolFork) -> dict[bytes, Account]:
    """Return the system contracts the fork's block processing calls."""
    contracts: dict[bytes, Account] = {}
    if fork >= ProtocolFork.Cancun:
        contracts[BEACON_ROOTS_ADDRESS] = Account(code=BEACON_ROOTS_CONTRACT_CODE)
    if fork >= ProtocolFork.Prague:
        contracts[HISTORY_STORAGE_ADDRESS] = Account(code=HISTORY_STORAGE_CONTRACT_CODE)
        contracts[WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS] = Account(
            code=WITHDRAWAL_REQUEST_CONTRACT_CODE
        )
        contracts[CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS] = Account(
            code=CONSOLIDATION_REQUEST_CONTRACT_CODE
        )
    if fork >= ProtocolFork.Amsterdam:
        contracts[BUILDER_DEPOSIT_CONTRACT_ADDRESS] = Account(
            code=ONE_DEPOSIT_QUEUE_CONTRACT_CODE
        )
        contracts[BUILDER_EXIT_CONTRACT_ADDRESS] = Account(
            code=ONE_EXIT_QUEUE_CONTRACT_CODE
        )
    return contracts


def genesis_alloc(scenario: Scenario, fork: ProtocolFork) -> dict[bytes, Account]:
    """Return the full genesis state: system contracts, senders, then `pre`."""
    alloc = system_contracts(fork)
    for transaction in scenario.transactions:
        alloc[address_of(transaction.sender)] = Account(balance=SENDER_BALANCE)
    alloc.update(scenario.pre)
    return dict(sorted(alloc.items()))


def _py_evm_state(alloc: Mapping[bytes, Account]) -> Any:
    return {
        address: {
            "balance": account.balance,
            "nonce": account.nonce,
            "code": account.code,
            "storage": dict(account.storage),
        }
        for address, account in alloc.items()
    }


# Blocks.


def _chain_class(fork: ProtocolFork) -> type[Chain]:
    chaindb_class = AmsterdamChainDB if fork >= ProtocolFork.Amsterdam else ChainDB
    return Chain.configure(
        __name__=f"Scenario{fork.name}Chain",
        vm_configuration=((0, vm_class_for(fork)),),
        chain_id=CHAIN_ID,
        chaindb_class=chaindb_class,
    )


def _prev_randao(number: int) -> bytes:
    return keccak(b"prev_randao" + number.to_bytes(8, "big"))


def _parent_beacon_block_root(number: int) -> bytes:
    return keccak(b"parent_beacon_block_root" + number.to_bytes(8, "big"))


def _header_fields(fork: ProtocolFork, number: int) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "coinbase": COINBASE,
        "timestamp": GENESIS_TIMESTAMP + number * SECONDS_PER_SLOT,
        "mix_hash": _prev_randao(number),
    }
    if fork >= ProtocolFork.Cancun:
        fields["parent_beacon_block_root"] = _parent_beacon_block_root(number)
    if fork >= ProtocolFork.Amsterdam:
        fields["slot_number"] = GENESIS_SLOT + number
    return fields


def _genesis_params(scenario: Scenario, fork: ProtocolFork) -> dict[str, Any]:
    params = _header_fields(fork, 0) | {
        "difficulty": 0,
        "gas_limit": scenario.gas_limit,
        "base_fee_per_gas": GENESIS_BASE_FEE,
        "extra_data": b"",
        "nonce": b"\x00" * 8,
    }
    if fork >= ProtocolFork.Cancun:
        params["excess_blob_gas"] = scenario.parent_excess_blob_gas
    return params


def _genesis_block(chain: ChainAPI, fork: ProtocolFork) -> BlockAPI:
    header = chain.get_canonical_block_header_by_number(BlockNumber(0))
    block_class = vm_class_for(fork).get_block_class()
    body: dict[str, Any] = {"transactions": [], "uncles": []}
    if fork >= ProtocolFork.Shanghai:
        body["withdrawals"] = []
    return block_class(header, **body)


def _import_template(
    chain: ChainAPI,
    fork: ProtocolFork,
    transactions: Sequence[SignedTransactionAPI],
    withdrawals: Sequence[PyEvmWithdrawal],
) -> BlockAPI:
    """Import a block whose roots are still unknown and return it filled in."""
    parent = chain.get_canonical_head()
    number = parent.block_number + 1
    header = chain.create_header_from_parent(
        parent, gas_limit=parent.gas_limit, **_header_fields(fork, number)
    )
    body: dict[str, Any] = {"transactions": list(transactions), "uncles": []}
    if fork >= ProtocolFork.Shanghai:
        body["withdrawals"] = list(withdrawals)
    template = vm_class_for(fork).get_block_class()(header, **body)
    return chain.import_block(template, perform_validation=False).imported_block


class _Nonces:
    """Track each key's next nonce while transactions are signed in order."""

    def __init__(self, alloc: Mapping[bytes, Account]) -> None:
        self.next = {address: account.nonce for address, account in alloc.items()}

    def take(self, seed: int, explicit: int | None) -> int:
        """Return the nonce to use and advance the key past it."""
        address = address_of(seed)
        nonce = self.next.get(address, 0) if explicit is None else explicit
        self.next[address] = nonce + 1
        return nonce


def _sign_authorization(
    authorization: Authorization, nonces: _Nonces
) -> SignedAuthorization:
    nonce = nonces.take(authorization.signer, authorization.nonce)
    message = SET_CODE_AUTHORIZATION_MAGIC + rlp.encode(
        [authorization.chain_id, authorization.address, nonce]
    )
    signature = private_key(authorization.signer).sign_msg_hash(keccak(message))
    return SignedAuthorization(
        authorization.chain_id,
        authorization.address,
        nonce,
        signature.v,
        signature.r,
        signature.s,
    )


def sign_transaction(
    transaction: Transaction, fork: ProtocolFork, nonces: _Nonces
) -> SignedTransactionAPI:
    """Build and sign `transaction` with the fork's transaction builder."""
    if fork < FIRST_FORK_OF_TRANSACTION_TYPE[transaction.type]:
        raise ValueError(f"{transaction.type.name} transactions need a later fork")
    builder: Any = vm_class_for(fork).get_transaction_builder()
    key = private_key(transaction.sender)
    nonce = nonces.take(transaction.sender, transaction.nonce)
    to = CREATE_CONTRACT if transaction.to is None else transaction.to
    access_list = [(address, list(slots)) for address, slots in transaction.access_list]
    common: dict[str, Any] = {"nonce": nonce, "gas": transaction.gas, "to": to}
    common |= {"value": transaction.value, "data": transaction.data}
    fees = {
        "max_priority_fee_per_gas": MAX_PRIORITY_FEE_PER_GAS,
        "max_fee_per_gas": MAX_FEE_PER_GAS,
    }
    if transaction.type is TransactionType.LEGACY:
        unsigned = builder.create_unsigned_transaction(
            gas_price=MAX_FEE_PER_GAS, **common
        )
        chain_id = CHAIN_ID if transaction.replay_protected else None
        signed = unsigned.as_signed_transaction(key, chain_id=chain_id)
        return builder.decode(signed.encode())
    if transaction.type is TransactionType.ACCESS_LIST:
        unsigned = builder.new_unsigned_access_list_transaction(
            chain_id=CHAIN_ID,
            gas_price=MAX_FEE_PER_GAS,
            access_list=access_list,
            **common,
        )
    elif transaction.type is TransactionType.DYNAMIC_FEE:
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=CHAIN_ID, access_list=access_list, **fees, **common
        )
    elif transaction.type is TransactionType.BLOB:
        unsigned = builder.new_unsigned_blob_transaction(
            chain_id=CHAIN_ID,
            access_list=access_list,
            max_fee_per_blob_gas=transaction.max_fee_per_blob_gas,
            blob_versioned_hashes=list(transaction.blob_versioned_hashes),
            **fees,
            **common,
        )
    else:
        authorizations = [
            _sign_authorization(authorization, nonces)
            for authorization in transaction.authorizations
        ]
        unsigned = builder.new_unsigned_set_code_transaction(
            chain_id=CHAIN_ID,
            access_list=access_list,
            authorization_list=authorizations,
            **fees,
            **common,
        )
    # Older forks' unsigned classes sign into their own envelope class:
    # decoding with the fork's builder gives the fork's.
    return builder.decode(unsigned.as_signed_transaction(key).encode())


def build_scenario(scenario: Scenario, fork: ProtocolFork) -> BuiltScenario:
    """Build genesis, the empty ancestors and the test block of `scenario`."""
    alloc = genesis_alloc(scenario, fork)
    memory = MemoryDB()
    chain = _chain_class(fork).from_genesis(
        AtomicDB(memory), _genesis_params(scenario, fork), _py_evm_state(alloc)
    )
    blocks = [_import_template(chain, fork, (), ()) for _ in range(scenario.ancestors)]
    nonces = _Nonces(alloc)
    transactions = [sign_transaction(tx, fork, nonces) for tx in scenario.transactions]
    withdrawals = [
        PyEvmWithdrawal(index, w.validator_index, Address(w.address), w.amount)
        for index, w in enumerate(scenario.withdrawals)
    ]
    if withdrawals and fork < ProtocolFork.Shanghai:
        raise ValueError("withdrawals need Shanghai or later")
    blocks.append(_import_template(chain, fork, transactions, withdrawals))
    genesis = _genesis_block(chain, fork)
    return BuiltScenario(
        fork,
        chain,
        alloc,
        genesis,
        tuple(blocks),
        memory.kv_store,
    )


def import_with_validation(built: BuiltScenario) -> None:
    """
    Import the scenario's blocks again with py-evm's validation on.

    A fresh chain over the full state the build stored starts from the
    genesis header; py-evm then checks every block it imports against the
    header it computes (roots, gas, bloom, hashes): a check of the built
    blocks that needs no witness.
    """
    database = AtomicDB(MemoryDB(dict(built.store)))
    chain = _chain_class(built.fork).from_genesis_header(database, built.genesis.header)
    for block in built.blocks:
        chain.import_block(block, perform_validation=True)


def build_input(built: BuiltScenario) -> BuiltInput:
    """Build the stateless input of the test block with the host builder."""
    return build_stateless_input(
        built.fork,
        CHAIN_ID,
        built.store,
        built.ancestor_headers[-MAX_WITNESS_HEADERS:],
        built.block,
    )


# Checking with the execution specification.


def eels_implements(fork: ProtocolFork) -> bool:
    """Tell whether ``ethereum-execution`` can replay blocks of `fork`."""
    return fork in EELS_MODULE_BY_FORK


def _parent_storage_slots(built: BuiltScenario) -> dict[bytes, set[int]]:
    """List the slots that may be set once the empty ancestors ran."""
    slots = {address: set(account.storage) for address, account in built.alloc.items()}
    for header in built.ancestor_headers[1:]:
        if built.fork >= ProtocolFork.Cancun:
            timestamp_slot = header.timestamp % HISTORY_BUFFER_LENGTH
            slots[BEACON_ROOTS_ADDRESS] |= {
                timestamp_slot,
                timestamp_slot + HISTORY_BUFFER_LENGTH,
            }
        if built.fork >= ProtocolFork.Prague:
            slots[HISTORY_STORAGE_ADDRESS].add(
                (header.block_number - 1) % HISTORY_SERVE_WINDOW
            )
    return slots


def parent_state(built: BuiltScenario) -> dict[bytes, Account]:
    """
    Read the state the test block starts from out of the py-evm chain.

    Empty ancestors change only the system contracts' storage, at slots that
    their timestamps and numbers give; ``check_with_eels`` proves the result
    complete by comparing its root with the parent's state root.
    """
    state = built.chain.get_vm(built.parent_header).state
    accounts = {}
    for address, slots in _parent_storage_slots(built).items():
        if not state.account_exists(Address(address)):
            continue
        storage = {
            slot: state.get_storage(Address(address), slot) for slot in sorted(slots)
        }
        accounts[address] = Account(
            balance=state.get_balance(Address(address)),
            nonce=state.get_nonce(Address(address)),
            code=state.get_code(Address(address)),
            storage={slot: value for slot, value in storage.items() if value},
        )
    return accounts


def check_with_eels(built: BuiltScenario) -> None:
    """
    Execute the test block with EELS; raise if it rejects the block.

    EELS starts from the parent's state, read out of the py-evm chain and
    checked against the parent's state root, with every ancestor as history.
    """
    from ethereum_rlp import rlp as eels_rlp
    from ethereum_types.bytes import Bytes32
    from ethereum_types.numeric import U64, U256, Uint

    package = f"ethereum.forks.{EELS_MODULE_BY_FORK[built.fork]}"
    fork = importlib.import_module(f"{package}.fork")
    blocks = importlib.import_module(f"{package}.blocks")
    state_module = importlib.import_module(f"{package}.state")
    fork_types = importlib.import_module(f"{package}.fork_types")

    state = state_module.State()
    for address, account in parent_state(built).items():
        state_module.set_account(
            state,
            address,
            fork_types.Account(
                nonce=Uint(account.nonce),
                balance=U256(account.balance),
                code=account.code,
            ),
        )
        for slot, value in account.storage.items():
            state_module.set_storage(
                state, address, Bytes32(slot.to_bytes(32, "big")), U256(value)
            )
    if state_module.state_root(state) != built.parent_header.state_root:
        raise AssertionError("the parent state read for EELS is incomplete")
    history = [
        eels_rlp.decode_to(blocks.Block, rlp.encode(block))
        for block in (built.genesis,) + built.blocks[:-1]
    ]
    chain = fork.BlockChain(blocks=history, state=state, chain_id=U64(CHAIN_ID))
    test_block = eels_rlp.decode_to(blocks.Block, rlp.encode(built.block))
    fork.state_transition(chain, test_block)
