"""
Differential tests: blocks built on the guest's VMs, replayed on EELS.

Every valid block must be accepted by the execution specification's
``state_transition`` (same state root, receipts, bloom, withdrawals root and
requests hash); every mutated block must be refused by both. Regression tests
for py-evm's deviations show that stock py-evm builds a block the
specification refuses, while the guest's VM builds one it accepts (or refuses
the same block).
"""

import hashlib

import pytest
from Crypto.Hash import SHA256
from Crypto.PublicKey import ECC
from Crypto.Signature import DSS
from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS
from eth.vm.forks.prague import PragueVM as StockPragueVM
from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
)
from eth.vm.forks.shanghai.withdrawals import Withdrawal
from eth_utils import keccak

from guest.chain_config import MAINNET_DEPOSIT_CONTRACT_ADDRESS
from guest.errors import (
    BlockException,
    InvalidBlock,
    InvalidTransaction,
    TransactionException,
)
from guest.forks import vm_class_for
from guest.schema import ProtocolFork
from tests.fork_chains import (
    CALLER,
    CLZ_CONTRACT,
    SENDERS,
    EelsChain,
    ForkChain,
    default_alloc,
    differential_chain,
    lenient,
    refused_by,
)

ALL_FORKS = (
    ProtocolFork.Paris,
    ProtocolFork.Shanghai,
    ProtocolFork.Cancun,
    ProtocolFork.Prague,
    ProtocolFork.Osaka,
    ProtocolFork.BPO1,
    ProtocolFork.BPO2,
)
OSAKA_FORKS = (ProtocolFork.Osaka, ProtocolFork.BPO1, ProtocolFork.BPO2)

MODEXP = (5).to_bytes(32, "big")
P256VERIFY = (0x100).to_bytes(32, "big")


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def modexp_input(base: bytes, exponent: bytes, modulus: bytes) -> bytes:
    lengths = word(len(base)) + word(len(exponent)) + word(len(modulus))
    return lengths + base + exponent + modulus


def p256_input(message: bytes, valid: bool) -> bytes:
    key = ECC.construct(curve="P-256", d=0xC0FFEE)
    digest = SHA256.new(message)
    signature = DSS.new(key, "deterministic-rfc6979").sign(digest)
    if not valid:
        signature = signature[:32] + word(int.from_bytes(signature[32:], "big") ^ 1)
    return (
        digest.digest() + signature + word(int(key.pointQ.x)) + word(int(key.pointQ.y))
    )


def call_precompile(chain: ForkChain, address: bytes, data: bytes, sender: int = 0):
    return chain.transaction(sender, to=CALLER, data=address + data, gas=1_000_000)


def caller_results(chain: ForkChain) -> list[tuple[int, int, int]]:
    """Read (success, returndata size, first word) of every CALLER call."""
    state = chain.chain.get_vm().state
    count = state.get_storage(CALLER, 0)
    return [
        tuple(state.get_storage(CALLER, 3 * n + k) for k in (1, 2, 3))
        for n in range(count)
    ]


def withdrawals(count: int) -> list[Withdrawal]:
    return [
        Withdrawal(index, 10 + index, keccak(b"wd %d" % index)[:20], 1_000 * index)
        for index in range(count)
    ]


@pytest.mark.parametrize("fork", ALL_FORKS, ids=lambda fork: fork.name)
def test_eels_accepts_transfers_withdrawals_and_modexp(fork: ProtocolFork) -> None:
    chain, eels = differential_chain(fork)
    zero_base = modexp_input(b"", b"\x00", b"\x05")
    txs = [
        chain.transaction(0, to=SENDERS[1], value=5, gas=21_000),
        call_precompile(chain, MODEXP, zero_base, sender=2),
        call_precompile(chain, MODEXP, modexp_input(b"\x03", b"\x05", b"\x07"), 3),
    ]
    extra = {"withdrawals": withdrawals(3)} if fork >= ProtocolFork.Shanghai else {}
    for block in (chain.add_block(txs, **extra), chain.add_block()):
        eels.apply(block)
    assert caller_results(chain) == [(1, 1, 1 << 248), (1, 1, 5 << 248)]


def test_stock_modexp_zero_base_is_refused_by_eels() -> None:
    """Regression: py-evm returns 0 for 0**0 mod 5; the specification says 1."""
    chain, eels = differential_chain(ProtocolFork.Prague)
    tx = call_precompile(chain, MODEXP, modexp_input(b"", b"\x00", b"\x05"))
    stock_block = chain.build_block([tx], vm_class=StockPragueVM)
    assert refused_by(lambda: eels.apply(stock_block)) is not None
    eels.apply(chain.add_block([tx]))


@pytest.mark.parametrize("fork", OSAKA_FORKS, ids=lambda fork: fork.name)
def test_eels_accepts_osaka_instructions_and_precompiles(fork: ProtocolFork) -> None:
    chain, eels = differential_chain(fork)
    clz_inputs = (0, 1, 1 << 255, 2**256 - 1, 0xFF << 100)
    txs = [
        chain.transaction(1, to=CLZ_CONTRACT, data=word(value) + word(slot + 1))
        for slot, value in enumerate(clz_inputs)
    ]
    long_base = modexp_input(b"\x02" * 1025, b"\x01", b"\x05")
    txs += [
        call_precompile(chain, MODEXP, modexp_input(b"\x03", b"\x05", b"\x07")),
        call_precompile(chain, MODEXP, modexp_input(b"", b"\x00", b"\x05")),
        call_precompile(
            chain, MODEXP, modexp_input(b"\x02" * 64, b"\xff" * 40, b"\x0b")
        ),
        call_precompile(chain, MODEXP, long_base),
        call_precompile(chain, P256VERIFY, p256_input(b"osaka", valid=True)),
        call_precompile(chain, P256VERIFY, p256_input(b"osaka", valid=False)),
        call_precompile(chain, P256VERIFY, p256_input(b"osaka", valid=True)[:-1]),
    ]
    eels.apply(chain.add_block(txs))
    state = chain.chain.get_vm().state
    assert [state.get_storage(CLZ_CONTRACT, slot + 1) for slot in range(5)] == [
        256,
        255,
        0,
        0,
        256 - 108,
    ]
    results = caller_results(chain)
    assert results[0] == (1, 1, 5 << 248)
    assert results[1] == (1, 1, 1 << 248)
    assert results[3][0] == 0  # an input longer than 1024 bytes halts
    assert results[4] == (1, 32, 1)
    assert results[5] == (1, 0, 0)
    assert results[6] == (1, 0, 0)


def blob_hashes(count: int, seed: int = 0) -> list[bytes]:
    return [b"\x01" + keccak(b"blob %d %d" % (seed, i))[1:] for i in range(count)]


def blob_transaction(chain: ForkChain, sender: int, count: int):
    return chain.transaction(
        sender,
        to=SENDERS[0],
        gas=21_000,
        blob_versioned_hashes=blob_hashes(count, sender),
    )


@pytest.mark.parametrize(
    "fork, per_transaction",
    [
        (ProtocolFork.Cancun, (6,)),
        (ProtocolFork.Prague, (6, 3)),
        (ProtocolFork.Osaka, (6, 3)),
        (ProtocolFork.BPO1, (6, 6, 3)),
        (ProtocolFork.BPO2, (6, 6, 6, 3)),
    ],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_eels_accepts_blobs_at_the_block_limit(
    fork: ProtocolFork, per_transaction: tuple[int, ...]
) -> None:
    chain, eels = differential_chain(fork)
    full = [blob_transaction(chain, i + 1, n) for i, n in enumerate(per_transaction)]
    target = chain.vm_class.blob_schedule.target
    at_target = [
        blob_transaction(chain, 5 + i, min(6, target - 6 * i))
        for i in range(-(-target // 6))
    ]
    for block in (
        chain.add_block(full),
        chain.add_block(at_target),
        chain.add_block(),
    ):
        eels.apply(block)
    assert chain.blocks[1].header.blob_gas_used == sum(per_transaction) * 2**17


def test_osaka_excess_blob_gas_uses_the_base_fee_floor() -> None:
    """[EIP-7918]: with a blob price far below the base fee, excess keeps growing."""
    chain, eels = differential_chain(ProtocolFork.Osaka)
    eels.apply(chain.add_block([blob_transaction(chain, 1, 6)]))
    child = chain.add_block()
    eels.apply(child)
    # Prague's rule would give 6 - 6 = 0 blobs of excess; Osaka's 6 * 3 // 9.
    assert child.header.excess_blob_gas == 2 * 2**17


def refuse_both(chain: ForkChain, eels: EelsChain, block) -> Exception:
    """Check that EELS and the guest VM refuse a block; return the guest's error."""
    assert refused_by(lambda: eels.apply(block)) is not None
    error = refused_by(lambda: chain.import_block(block))
    assert error is not None
    return error


@pytest.mark.parametrize(
    "fork, counts, exception",
    [
        (ProtocolFork.Osaka, (7,), TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED),
        (
            ProtocolFork.Osaka,
            (6, 4),
            TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED,
        ),
        (
            ProtocolFork.BPO1,
            (6, 6, 4),
            TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED,
        ),
        (ProtocolFork.Prague, (0,), TransactionException.TYPE_3_TX_ZERO_BLOBS),
    ],
    ids=["osaka-7-in-one", "osaka-10", "bpo1-16", "prague-no-blob"],
)
def test_blob_limits_are_refused_by_both(fork, counts, exception) -> None:
    chain, eels = differential_chain(fork)
    txs = [blob_transaction(chain, i + 1, n) for i, n in enumerate(counts)]
    block = chain.build_block(txs, vm_class=lenient(chain.vm_class))
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == exception
    assert error.index == len(counts) - 1


def deposit_event_data(index: int) -> bytes:
    """ABI-encode DepositEvent(pubkey, credentials, amount, signature, index)."""
    fields = (b"\x11" * 48, b"\x22" * 32, (32 * 10**9).to_bytes(8, "little"))
    fields += (b"\x33" * 96, index.to_bytes(8, "little"))
    head, tail = b"", b""
    for value in fields:
        head += word(160 + len(tail))
        tail += word(len(value)) + value + b"\x00" * (-len(value) % 32)
    return head + tail


@pytest.mark.parametrize("fork", ALL_FORKS[3:], ids=lambda fork: fork.name)
def test_eels_accepts_execution_requests(fork: ProtocolFork) -> None:
    chain, eels = differential_chain(fork)
    txs = [
        chain.transaction(
            1, to=MAINNET_DEPOSIT_CONTRACT_ADDRESS, data=deposit_event_data(0)
        ),
        chain.transaction(
            2,
            to=WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            data=b"\x44" * 48 + (7).to_bytes(8, "big"),
            value=1,
        ),
        chain.transaction(
            3,
            to=CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            data=b"\x55" * 48 + b"\x66" * 48,
            value=1,
        ),
    ]
    block = chain.add_block(txs)
    eels.apply(block)
    assert block.header.requests_hash != hashlib.sha256().digest()
    eels.apply(chain.add_block())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda data: data[:-32],
        lambda data: word(161) + data[32:],
        lambda data: data[:160] + word(47) + data[192:],
        lambda data: data[:512] + word(9) + data[544:],
    ],
    ids=["short", "offset", "pubkey-size", "index-size"],
)
def test_deposit_layout_is_checked(mutate) -> None:
    """Regression: py-evm reads fixed offsets without checking the layout."""
    chain, eels = differential_chain(ProtocolFork.Prague)
    tx = chain.transaction(
        1, to=MAINNET_DEPOSIT_CONTRACT_ADDRESS, data=mutate(deposit_event_data(0))
    )
    block = chain.build_block([tx], vm_class=StockPragueVM)
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidBlock)
    assert error.exception == BlockException.INVALID_DEPOSIT_EVENT_LAYOUT


@pytest.mark.parametrize(
    "code, exception",
    [
        (b"", BlockException.SYSTEM_CONTRACT_EMPTY),
        (bytes.fromhex("5f5ffd"), BlockException.SYSTEM_CONTRACT_CALL_FAILED),
        (bytes.fromhex("fe"), BlockException.SYSTEM_CONTRACT_CALL_FAILED),
    ],
    ids=["empty", "revert", "invalid"],
)
@pytest.mark.parametrize(
    "address",
    [WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS],
    ids=["withdrawals", "consolidations"],
)
def test_request_system_contracts_must_exist_and_succeed(
    address, code, exception
) -> None:
    """Regression: py-evm skips a missing contract and ignores a failed call."""
    alloc = default_alloc(ProtocolFork.Prague)
    alloc[address] = dict(alloc[address], code=code)
    chain = ForkChain(ProtocolFork.Prague, vm_class_for(ProtocolFork.Prague), alloc)
    eels = EelsChain(ProtocolFork.Prague, alloc)
    eels.start(chain.blocks[0])
    block = chain.build_block([], vm_class=StockPragueVM)
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidBlock)
    assert error.exception == exception


def test_beacon_roots_system_call_runs_the_code_in_state() -> None:
    """Regression: py-evm writes storage only for the canonical contract code."""
    alloc = default_alloc(ProtocolFork.Prague)
    # SSTORE(TIMESTAMP, CALLDATALOAD(0)) and succeed: not the canonical code.
    alloc[BEACON_ROOTS_ADDRESS] = dict(
        alloc[BEACON_ROOTS_ADDRESS], code=bytes.fromhex("5f35425500")
    )
    chain = ForkChain(ProtocolFork.Prague, vm_class_for(ProtocolFork.Prague), alloc)
    eels = EelsChain(ProtocolFork.Prague, alloc)
    eels.start(chain.blocks[0])
    stock_block = chain.build_block([], vm_class=StockPragueVM)
    assert refused_by(lambda: eels.apply(stock_block)) is not None
    block = chain.add_block()
    eels.apply(block)
    state = chain.chain.get_vm().state
    stored = state.get_storage(BEACON_ROOTS_ADDRESS, block.header.timestamp)
    assert stored == int.from_bytes(block.header.parent_beacon_block_root, "big")


def test_calldata_floor_is_a_validity_rule() -> None:
    """Regression: py-evm accepts a gas limit below the [EIP-7623] floor."""
    chain, eels = differential_chain(ProtocolFork.Prague)
    tx = chain.transaction(1, to=SENDERS[0], data=b"\x01" * 1000, gas=40_000)
    block = chain.build_block([tx], vm_class=StockPragueVM)
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST
    assert error.index == 0


TRANSACTION_RULES = [
    ("nonce-too-high", {"nonce": 5}, "NONCE_MISMATCH_TOO_HIGH"),
    ("nonce-too-low", {"sender_index": 0, "nonce": 0}, "NONCE_MISMATCH_TOO_LOW"),
    ("intrinsic-gas", {"gas": 20_999}, "INTRINSIC_GAS_TOO_LOW"),
    ("gas-allowance", {"gas": 36_000_001}, "GAS_ALLOWANCE_EXCEEDED"),
    ("funds", {"value": 10**30}, "INSUFFICIENT_ACCOUNT_FUNDS"),
    ("chain-id", {"chain_id": 5}, "INVALID_CHAINID"),
    (
        "priority-fee",
        {"max_priority_fee_per_gas": 10**12},
        "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
    ),
    ("max-fee", {"max_fee_per_gas": 7}, "INSUFFICIENT_MAX_FEE_PER_GAS"),
    (
        "initcode-size",
        {"to": b"", "data": b"\x00" * 49_153, "gas": 1_000_000},
        "INITCODE_SIZE_EXCEEDED",
    ),
]


@pytest.mark.parametrize(
    "fields, exception",
    [rule[1:] for rule in TRANSACTION_RULES],
    ids=[rule[0] for rule in TRANSACTION_RULES],
)
@pytest.mark.parametrize("fork", (ProtocolFork.Shanghai, ProtocolFork.Prague))
def test_transaction_rules_are_named(fork, fields, exception) -> None:
    chain, eels = differential_chain(fork)
    valid = chain.transaction(0, to=SENDERS[1], gas=21_000)
    defaults = {"sender_index": 1, "to": SENDERS[0], "gas": 21_000}
    invalid = chain.transaction(**dict(defaults, **fields))
    # Both refuse at the transaction, before any commitment is compared.
    block = chain.build_block([valid]).copy(transactions=[valid, invalid])
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException[exception]
    assert error.index == 1


def test_initcode_size_is_not_limited_in_paris() -> None:
    chain, eels = differential_chain(ProtocolFork.Paris)
    create = chain.transaction(1, to=b"", data=b"\x00" * 49_153, gas=1_000_000)
    eels.apply(chain.add_block([create]))


@pytest.mark.parametrize(
    "fork, code, valid",
    [
        (ProtocolFork.Cancun, b"\x00", False),
        (ProtocolFork.Cancun, b"\xef\x01\x00" + b"\x11" * 20, False),
        (ProtocolFork.Prague, b"\x00", False),
        (ProtocolFork.Prague, b"\xef\x01\x00" + b"\x11" * 20, True),
    ],
    ids=["cancun-code", "cancun-designator", "prague-code", "prague-delegated"],
)
def test_senders_with_code(fork, code, valid) -> None:
    """Regression: py-evm lets an account with code send ([EIP-3607])."""
    alloc = default_alloc(fork)
    alloc[SENDERS[7]] = dict(alloc[SENDERS[7]], code=code)
    chain = ForkChain(fork, vm_class_for(fork), alloc)
    eels = EelsChain(fork, alloc)
    eels.start(chain.blocks[0])
    tx = chain.transaction(7, to=SENDERS[0], gas=21_000)
    if valid:
        eels.apply(chain.add_block([tx]))
        return
    block = chain.build_block([], vm_class=lenient(chain.vm_class)).copy(
        transactions=[tx]
    )
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException.SENDER_NOT_EOA


def test_osaka_transaction_gas_cap() -> None:
    chain, eels = differential_chain(ProtocolFork.Osaka)
    tx = chain.transaction(1, to=SENDERS[0], gas=2**24 + 1)
    block = chain.build_block([tx], vm_class=lenient(chain.vm_class))
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM
    at_cap = chain.transaction(1, to=SENDERS[0], gas=2**24, nonce=0)
    eels.apply(chain.add_block([at_cap]))


@pytest.mark.parametrize("fork", (ProtocolFork.Paris, ProtocolFork.Osaka))
def test_touched_empty_accounts_are_kept_after_the_merge(fork) -> None:
    """Regression: py-evm still deletes touched empty accounts ([EIP-161])."""
    empty = bytes.fromhex("e0" * 20)
    absent = bytes.fromhex("ab" * 20)
    alloc = default_alloc(fork)
    alloc[empty] = {"balance": 0, "nonce": 0, "code": b"", "storage": {}}
    chain = ForkChain(fork, vm_class_for(fork), alloc)
    eels = EelsChain(fork, alloc)
    eels.start(chain.blocks[0])
    txs = [
        chain.transaction(0, to=empty, gas=21_000),
        call_precompile(chain, absent.rjust(32, b"\x00"), b"", sender=1),
    ]
    coinbase = bytes.fromhex("cb" * 20)
    eels.apply(chain.add_block(txs, coinbase=coinbase))
    state = chain.chain.get_vm().state
    assert state.account_exists(empty)
    assert not state.account_exists(absent)
    # A coinbase that earns no fee stays absent (the specification's balance
    # update deletes the empty account it would create).
    unpaid = bytes.fromhex("cc" * 20)
    no_tip = chain.transaction(2, to=SENDERS[3], gas=21_000, max_priority_fee_per_gas=0)
    eels.apply(chain.add_block([no_tip], coinbase=unpaid))
    assert not chain.chain.get_vm().state.account_exists(unpaid)


@pytest.mark.parametrize("fork", (ProtocolFork.Prague, ProtocolFork.Osaka))
def test_eels_accepts_set_code_transactions(fork: ProtocolFork) -> None:
    chain, eels = differential_chain(fork)
    authority = SENDERS[5]
    set_code = chain.transaction(
        4,
        to=authority,
        data=MODEXP + modexp_input(b"\x02", b"\x03", b"\x05"),
        gas=500_000,
        authorization_list=[chain.authorization(5, CALLER, 0)],
    )
    eels.apply(chain.add_block([set_code]))
    state = chain.chain.get_vm().state
    assert state.get_code(authority) == b"\xef\x01\x00" + CALLER
    assert state.get_storage(authority, 3) == 3 << 248  # 2 ** 3 mod 5
    # The delegated account may still send transactions ([EIP-3607] as amended).
    eels.apply(
        chain.add_block([chain.transaction(5, to=SENDERS[0], gas=21_000, nonce=1)])
    )


def test_empty_authorization_list_is_refused_by_both() -> None:
    chain, eels = differential_chain(ProtocolFork.Prague)
    tx = chain.transaction(4, to=SENDERS[0], gas=100_000, authorization_list=[])
    block = chain.build_block([]).copy(transactions=[tx])
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException.TYPE_4_EMPTY_AUTHORIZATION_LIST


@pytest.mark.parametrize("fork", (ProtocolFork.Paris, ProtocolFork.Cancun))
def test_zero_value_selfdestruct_creates_no_beneficiary(fork) -> None:
    """Regression: without touch clearing, py-evm's zero credit left an account."""
    beneficiary = bytes.fromhex("be" * 20)
    destructor = bytes.fromhex("de" * 20)
    alloc = default_alloc(fork)
    alloc[destructor] = {
        "balance": 0,
        "nonce": 1,
        "code": b"\x73" + beneficiary + b"\xff",  # SELFDESTRUCT(beneficiary)
        "storage": {},
    }
    chain = ForkChain(fork, vm_class_for(fork), alloc)
    eels = EelsChain(fork, alloc)
    eels.start(chain.blocks[0])
    eels.apply(chain.add_block([chain.transaction(1, to=destructor, gas=100_000)]))
    assert not chain.chain.get_vm().state.account_exists(beneficiary)


@pytest.mark.parametrize("fork", (ProtocolFork.Shanghai, ProtocolFork.Osaka))
def test_initcode_word_cost_is_intrinsic(fork) -> None:
    """Regression: py-evm's intrinsic gas leaves out the [EIP-3860] word cost."""
    chain, eels = differential_chain(fork)
    initcode = b"\x00" * 64
    probe = chain.transaction(1, to=b"", data=initcode, gas=10**6, nonce=0)
    py_evm_intrinsic = probe.intrinsic_gas
    short = chain.transaction(1, to=b"", data=initcode, gas=py_evm_intrinsic, nonce=0)
    block = chain.build_block([]).copy(transactions=[short])
    error = refuse_both(chain, eels, block)
    assert isinstance(error, InvalidTransaction)
    assert error.exception == TransactionException.INTRINSIC_GAS_TOO_LOW
    exact = chain.transaction(
        1, to=b"", data=initcode, gas=py_evm_intrinsic + 2 * 2, nonce=0
    )
    eels.apply(chain.add_block([exact]))


@pytest.mark.parametrize("fork", (ProtocolFork.Paris, ProtocolFork.Prague))
def test_creation_onto_storage_is_a_collision(fork) -> None:
    """Regression: py-evm only counts code or nonce as a collision ([EIP-7610])."""
    from eth._utils.address import generate_contract_address

    target = generate_contract_address(SENDERS[1], 0)
    alloc = default_alloc(fork)
    alloc[target] = {"balance": 0, "nonce": 0, "code": b"", "storage": {1: 1}}
    chain = ForkChain(fork, vm_class_for(fork), alloc)
    eels = EelsChain(fork, alloc)
    eels.start(chain.blocks[0])
    deploy = bytes.fromhex("600160005360016000f3")  # returns the code 0x01
    eels.apply(chain.add_block([chain.transaction(1, to=b"", data=deploy)]))
    state = chain.chain.get_vm().state
    assert state.get_code(target) == b""
    assert state.get_storage(target, 1) == 1
