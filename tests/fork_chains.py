"""
Small chains on the guest's VMs, cross-checked against EELS.

``ForkChain`` builds a genesis with funded senders, the system contracts and a
few test contracts, then builds blocks with py-evm on one of the guest's VM
classes. Each block can be replayed on the execution specification
(``ethereum-execution``'s ``state_transition`` for the same fork), which must
accept it: same state root, receipts, bloom, withdrawals and requests hash.

The 7002/7251 runtime codes are read from the EIP texts in ../shared (the
tests using them skip without it) and checked against their known code hashes.
"""

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import rlp
from eth.abc import BlockAPI, SignedTransactionAPI
from eth.chains.base import Chain
from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.db.atomic import AtomicDB
from eth.vm.base import VM
from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS
from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    HISTORY_STORAGE_ADDRESS,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
)
from eth.vm.forks.shanghai.withdrawals import Withdrawal
from eth_keys import keys
from eth_utils import keccak

from guest.chain_config import MAINNET_DEPOSIT_CONTRACT_ADDRESS
from guest.schema import ProtocolFork
from tests.conftest import SHARED, shared_file

CHAIN_ID = 1
GAS_LIMIT = 36_000_000
GENESIS_TIMESTAMP = 1_800_000_000
BASE_FEE = 10**9
MAX_FEE = 10**11
COINBASE = bytes.fromhex("c0ffee" + "00" * 17)
FUNDS = 10**24

SENDER_KEYS = tuple(keys.PrivateKey(keccak(b"fork sender %d" % i)) for i in range(8))
SENDERS = tuple(key.public_key.to_canonical_address() for key in SENDER_KEYS)

EELS_MODULE = {
    ProtocolFork.Paris: "paris",
    ProtocolFork.Shanghai: "shanghai",
    ProtocolFork.Cancun: "cancun",
    ProtocolFork.Prague: "prague",
    ProtocolFork.Osaka: "osaka",
    ProtocolFork.BPO1: "bpo1",
    ProtocolFork.BPO2: "bpo2",
}

# Runtime code hashes of the system contracts (amsterdam.md §10).
BEACON_ROOTS_CODE_HASH = bytes.fromhex(
    "f57acd40259872606d76197ef052f3d35588dadf919ee1f0e3cb9b62d3f4b02c"
)
HISTORY_CODE_HASH = bytes.fromhex(
    "6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d"
)
WITHDRAWAL_REQUEST_CODE_HASH = bytes.fromhex(
    "0345a365d2f4c5975b9f1599abe0a2ee76b7a3a731bc68781bd04c84e4858f50"
)
CONSOLIDATION_REQUEST_CODE_HASH = bytes.fromhex(
    "78c6cb5202685228bbcbfb992b1c4e116c7ec5ef11e25b8e92716cfc628ddd60"
)

DEPOSIT_EVENT_TOPIC = bytes.fromhex(
    "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5"
)

# Emits LOG1(DepositEvent) with the calldata as the log data.
DEPOSIT_STUB_CODE = (
    bytes.fromhex("365f5f37" + "7f") + DEPOSIT_EVENT_TOPIC + bytes.fromhex("365fa100")
)

# STATICCALLs calldata[0:32] with calldata[32:]; stores success, returndata
# size and the first returned word at slots 3n+1..3n+3 (n = counter in slot 0).
# No PUSH0, so that Paris runs it too.
CALLER_CODE = bytes.fromhex(
    "3660209003"
    "806020600037"
    "600060008260006000355afa"
    "600054"
    "80600302600101829055"
    "3d81600302600201" + "55"
    "6000600052"
    "3d600060003e"
    "60005181600302600301" + "55"
    "60010160005500"
)
CALLER = bytes.fromhex("ca11" + "00" * 18)

# SSTORE(calldata[32:64], CLZ(calldata[0:32])).
CLZ_CODE = bytes.fromhex("5f351e60203555" + "00")
CLZ_CONTRACT = bytes.fromhex("c100" + "00" * 18)


def eip_runtime_code(eip_name: str, expected_hash: bytes) -> bytes:
    """Read a system contract's runtime code from its EIP's deployment input."""
    text = shared_file(SHARED / "eips" / eip_name).read_text()
    initcode = bytes.fromhex(re.search(r'"input": "0x([0-9a-f]+)"', text)[1])
    # The constructor ends with PUSH2 len DUP1 PUSH1 offset PUSH0 CODECOPY
    # PUSH0 RETURN.
    copy = initcode.index(bytes.fromhex("5f395ff3"))
    offset = initcode[copy - 1]
    length = int.from_bytes(initcode[copy - 6 : copy - 4], "big")
    code = initcode[offset : offset + length]
    assert keccak(code) == expected_hash, eip_name
    return code


def system_contracts(fork: ProtocolFork) -> dict[bytes, dict[str, Any]]:
    """Return the system contracts a fork's genesis holds, with their code."""
    from eth.vm.forks.cancun.constants import BEACON_ROOTS_CONTRACT_CODE
    from eth.vm.forks.prague.constants import HISTORY_STORAGE_CONTRACT_CODE

    assert keccak(BEACON_ROOTS_CONTRACT_CODE) == BEACON_ROOTS_CODE_HASH
    assert keccak(HISTORY_STORAGE_CONTRACT_CODE) == HISTORY_CODE_HASH
    contracts: dict[bytes, bytes] = {}
    if fork >= ProtocolFork.Cancun:
        contracts[BEACON_ROOTS_ADDRESS] = BEACON_ROOTS_CONTRACT_CODE
    if fork >= ProtocolFork.Prague:
        contracts[HISTORY_STORAGE_ADDRESS] = HISTORY_STORAGE_CONTRACT_CODE
        contracts[WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS] = eip_runtime_code(
            "eip-7002.md", WITHDRAWAL_REQUEST_CODE_HASH
        )
        contracts[CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS] = eip_runtime_code(
            "eip-7251.md", CONSOLIDATION_REQUEST_CODE_HASH
        )
    return {
        address: {"balance": 0, "nonce": 1, "code": code, "storage": {}}
        for address, code in contracts.items()
    }


def default_alloc(fork: ProtocolFork) -> dict[bytes, dict[str, Any]]:
    """Return senders, system contracts and the test contracts."""
    alloc = {
        sender: {"balance": FUNDS, "nonce": 0, "code": b"", "storage": {}}
        for sender in SENDERS
    }
    alloc.update(system_contracts(fork))
    for address, code in (
        (CALLER, CALLER_CODE),
        (CLZ_CONTRACT, CLZ_CODE),
        (MAINNET_DEPOSIT_CONTRACT_ADDRESS, DEPOSIT_STUB_CODE),
    ):
        alloc[address] = {"balance": 0, "nonce": 1, "code": code, "storage": {}}
    return alloc


def lenient(vm_class: type[VM]) -> type[VM]:
    """Derive a VM that applies transactions without checking their validity."""
    state_class: Any = vm_class.get_state_class()
    executor_class: Any = state_class.transaction_executor_class

    def apply_unchecked(self: Any, transaction: SignedTransactionAPI) -> None:
        return None

    executor = type(
        "LenientExecutor", (executor_class,), {"validate_transaction": apply_unchecked}
    )
    state = type(
        "LenientState", (state_class,), {"transaction_executor_class": executor}
    )
    return type(
        "Lenient" + vm_class.__name__,
        (vm_class,),
        {
            "_state_class": state,
            "validate_transaction_against_header": lambda self, header, tx: None,
            "validate_block": lambda self, block: None,
        },
    )


@dataclass
class ForkChain:
    """A py-evm chain on a guest VM class and the same chain on EELS."""

    fork: ProtocolFork
    vm_class: type[VM]
    alloc: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    nonces: dict[bytes, int] = field(default_factory=dict)
    genesis_params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.alloc:
            self.alloc = default_alloc(self.fork)
        self.chain = self.make_chain(self.vm_class)
        self.blocks: list[BlockAPI] = [self.chain.get_canonical_block_by_number(0)]

    def make_chain(self, vm_class: type[VM]) -> Any:
        """Create a py-evm chain over a fresh database from the genesis alloc."""
        chain_class = Chain.configure(
            __name__="ForkTestChain",
            vm_configuration=((0, vm_class),),
            chain_id=CHAIN_ID,
        )
        params: dict[str, Any] = {
            "difficulty": 0,
            "gas_limit": GAS_LIMIT,
            "timestamp": GENESIS_TIMESTAMP,
            "coinbase": COINBASE,
            "base_fee_per_gas": BASE_FEE,
            "nonce": b"\x00" * 8,
            **self.genesis_params,
        }
        state = {
            address: {
                "balance": account["balance"],
                "nonce": account["nonce"],
                "code": account["code"],
                "storage": account["storage"],
            }
            for address, account in self.alloc.items()
        }
        return chain_class.from_genesis(AtomicDB(), params, state)

    # -- transactions -- #

    def next_nonce(self, sender_index: int) -> int:
        """Return and advance the next nonce of a sender."""
        sender = SENDERS[sender_index]
        nonce = self.nonces.get(sender, 0)
        self.nonces[sender] = nonce + 1
        return nonce

    def transaction(
        self,
        sender_index: int = 0,
        to: bytes = CREATE_CONTRACT_ADDRESS,
        data: bytes = b"",
        value: int = 0,
        gas: int = 200_000,
        nonce: int | None = None,
        **extra: Any,
    ) -> SignedTransactionAPI:
        """Sign a dynamic-fee (or, with blob hashes, a blob) transaction."""
        builder: Any = self.vm_class.get_transaction_builder()
        fields: dict[str, Any] = {
            "chain_id": extra.pop("chain_id", CHAIN_ID),
            "nonce": self.next_nonce(sender_index) if nonce is None else nonce,
            "max_priority_fee_per_gas": extra.pop("max_priority_fee_per_gas", 1),
            "max_fee_per_gas": extra.pop("max_fee_per_gas", MAX_FEE),
            "gas": gas,
            "to": to,
            "value": value,
            "data": data,
            "access_list": [],
        }
        if "authorization_list" in extra:
            unsigned = builder.new_unsigned_set_code_transaction(**fields, **extra)
        elif "blob_versioned_hashes" in extra:
            unsigned = builder.new_unsigned_blob_transaction(
                max_fee_per_blob_gas=extra.pop("max_fee_per_blob_gas", 10**9),
                **fields,
                **extra,
            )
        else:
            unsigned = builder.new_unsigned_dynamic_fee_transaction(**fields)
        signed = unsigned.as_signed_transaction(
            SENDER_KEYS[sender_index], fields["chain_id"]
        )
        # py-evm's London builder signs into London classes: re-decode with
        # the fork's own builder so that the block can encode it.
        return builder.decode(signed.encode())

    def authorization(self, signer_index: int, delegate: bytes, nonce: int) -> Any:
        """Sign a set-code authorization ([EIP-7702]) for this chain."""
        from eth.vm.forks.prague.transactions import Authorization

        message = b"\x05" + rlp.encode([CHAIN_ID, delegate, nonce])
        signature = SENDER_KEYS[signer_index].sign_msg_hash(keccak(message))
        return Authorization(
            CHAIN_ID, delegate, nonce, signature.v, signature.r, signature.s
        )

    # -- blocks -- #

    def build_block(
        self,
        transactions: Sequence[SignedTransactionAPI] = (),
        withdrawals: Sequence[Withdrawal] = (),
        vm_class: type[VM] | None = None,
        **header_fields: Any,
    ) -> BlockAPI:
        """Execute transactions on the head and return the resulting block."""
        builder = vm_class or self.vm_class
        parent = self.blocks[-1].header
        fields: dict[str, Any] = {
            "timestamp": parent.timestamp + 12,
            "gas_limit": parent.gas_limit,
            "coinbase": COINBASE,
        }
        if self.fork >= ProtocolFork.Cancun:
            fields["parent_beacon_block_root"] = keccak(b"beacon %d" % len(self.blocks))
        fields.update(header_fields)
        header = builder.create_header_from_parent(parent, **fields)
        body: list[Any] = [header, list(transactions), []]
        if self.fork >= ProtocolFork.Shanghai:
            body.append(list(withdrawals))
        template = builder.get_block_class()(*body)
        vm = builder(
            header=header.copy(gas_used=0),
            chaindb=self.chain.chaindb,
            chain_context=self.chain.get_vm().chain_context,
            consensus_context=self.chain.consensus_context,
        )
        return vm.import_block(template).block

    def import_block(self, block: BlockAPI) -> BlockAPI:
        """Import a block with full validation on the guest VM, extend the chain."""
        imported = self.chain.import_block(block).imported_block
        self.blocks.append(imported)
        return imported

    def add_block(self, *args: Any, **kwargs: Any) -> BlockAPI:
        """Build the next block, import it and return it."""
        return self.import_block(self.build_block(*args, **kwargs))


class EelsChain:
    """The same genesis on the execution specification, fed block RLPs."""

    def __init__(self, fork: ProtocolFork, alloc: dict[bytes, dict[str, Any]]):
        name = EELS_MODULE[fork]
        self.fork_module: Any = importlib.import_module(f"ethereum.forks.{name}.fork")
        self.blocks_module: Any = importlib.import_module(
            f"ethereum.forks.{name}.blocks"
        )
        state_module: Any = importlib.import_module(f"ethereum.forks.{name}.state")
        types_module: Any = importlib.import_module(f"ethereum.forks.{name}.fork_types")
        from ethereum_types.bytes import Bytes32
        from ethereum_types.numeric import U64, U256, Uint

        state = state_module.State()
        for address, account in alloc.items():
            state_module.set_account(
                state,
                address,
                types_module.Account(
                    nonce=Uint(account["nonce"]),
                    balance=U256(account["balance"]),
                    code=account["code"],
                ),
            )
            for slot, value in account["storage"].items():
                state_module.set_storage(
                    state, address, Bytes32(slot.to_bytes(32, "big")), U256(value)
                )
        self.state_module = state_module
        self.state = state
        self.chain_id = U64(CHAIN_ID)
        self.chain: Any = None

    def start(self, genesis: BlockAPI) -> None:
        """Begin the chain at the py-evm genesis block."""
        from ethereum_rlp import rlp as eels_rlp

        block = eels_rlp.decode_to(self.blocks_module.Block, rlp.encode(genesis))
        assert self.state_module.state_root(self.state) == block.header.state_root
        self.chain = self.fork_module.BlockChain(
            blocks=[block], state=self.state, chain_id=self.chain_id
        )

    def decode_header(self, header: Any) -> Any:
        """Convert a py-evm header into the specification's header."""
        from ethereum_rlp import rlp as eels_rlp

        return eels_rlp.decode_to(self.blocks_module.Header, rlp.encode(header))

    def apply(self, block: BlockAPI) -> None:
        """Run the specification's state transition; it raises on any refusal."""
        from ethereum_rlp import rlp as eels_rlp

        decoded = eels_rlp.decode_to(self.blocks_module.Block, rlp.encode(block))
        # A refused block leaves the specification's state half-applied: keep
        # the trie contents to restore.
        state = self.chain.state
        main = dict(state._main_trie._data)
        storage = {
            address: (trie, dict(trie._data))
            for address, trie in state._storage_tries.items()
        }
        try:
            self.fork_module.state_transition(self.chain, decoded)
        except Exception:
            state._main_trie._data = main
            state._storage_tries = {}
            for address, (trie, data) in storage.items():
                trie._data = data
                state._storage_tries[address] = trie
            state._snapshots.clear()
            state.created_accounts.clear()
            raise


def differential_chain(
    fork: ProtocolFork, vm_class: type[VM] | None = None
) -> tuple[ForkChain, EelsChain]:
    """Return a guest chain and an EELS chain on the same genesis."""
    from guest.forks import vm_class_for

    chain = ForkChain(fork, vm_class or vm_class_for(fork))
    eels = EelsChain(fork, chain.alloc)
    eels.start(chain.blocks[0])
    return chain, eels


def refused_by(action: Callable[[], Any]) -> BaseException | None:
    """Run an action and return the exception it raised, if any."""
    try:
        action()
    except Exception as error:
        return error
    return None
