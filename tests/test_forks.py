"""
Fork registry and rule functions, checked against the execution specification.

The expected values come from EELS's own functions (``ethereum-execution``)
or from the EIP texts, never from the guest's output.
"""

import importlib
from typing import Any

import pytest
import rlp
from ethereum_types.numeric import U64, Uint
from hypothesis import given, settings
from hypothesis import strategies as st

from guest.chain_config import (
    BPO1_BLOB_SCHEDULE,
    BPO2_BLOB_SCHEDULE,
    BlobSchedule,
    ChainConfig,
)
from guest.errors import BlockException, InvalidBlock
from guest.forks import VM_BY_FORK, vm_class_for
from guest.forks.osaka import (
    MAX_RLP_BLOCK_SIZE,
    modexp_gas_cost,
    p256_verify,
)
from guest.forks.paris import modexp_output
from guest.forks.prague import DEPOSIT_EVENT_LENGTH, DEPOSIT_FIELD_OFFSETS
from guest.schema import ProtocolFork
from guest.stateless import header_commitments, validate_commitments
from tests.fork_chains import differential_chain

FORKS = tuple(VM_BY_FORK)
BLOB_FORKS = FORKS[2:]


def eels(fork: str, module: str) -> Any:
    return importlib.import_module(f"ethereum.forks.{fork}.{module}")


def test_every_schema_fork_up_to_bpo2_has_its_own_vm() -> None:
    classes = [vm_class_for(fork) for fork in FORKS]
    assert FORKS == tuple(ProtocolFork)[:7]
    assert len(set(classes)) == len(classes)
    assert [vm.fork for vm in classes] == [
        "paris",
        "shanghai",
        "cancun",
        "prague",
        "osaka",
        "bpo1",
        "bpo2",
    ]


def test_amsterdam_builds_on_bpo2() -> None:
    from guest.forks.bpo import BPO2VM

    amsterdam: Any = vm_class_for(ProtocolFork.Amsterdam)
    assert issubclass(amsterdam, BPO2VM)
    assert amsterdam.blob_schedule == BPO2_BLOB_SCHEDULE


def test_configured_classes_are_cached_and_carry_the_config() -> None:
    schedule = BlobSchedule(target=1, max=2, base_fee_update_fraction=1_000)
    deposit = bytes.fromhex("42" * 20)
    config = ChainConfig(
        chain_id=7,
        blob_schedules={ProtocolFork.Osaka: schedule},
        deposit_contract_address=deposit,
    )
    vm_class: Any = vm_class_for(ProtocolFork.Osaka, config)
    assert vm_class is vm_class_for(ProtocolFork.Osaka, config)
    assert issubclass(vm_class, vm_class_for(ProtocolFork.Osaka))
    assert vm_class.blob_schedule == schedule
    assert vm_class.get_state_class().blob_schedule == schedule
    assert vm_class.deposit_contract_address == deposit
    assert vm_class_for(ProtocolFork.Osaka, ChainConfig(chain_id=7)) is (
        vm_class_for(ProtocolFork.Osaka)
    )


@pytest.mark.parametrize(
    "fork, name",
    [(fork, fork.name.lower()) for fork in BLOB_FORKS],
    ids=lambda value: getattr(value, "name", value),
)
def test_blob_schedules_match_eels(fork: ProtocolFork, name: str) -> None:
    gas = eels(name, "vm.gas")
    vm_class: Any = vm_class_for(fork)
    assert (
        vm_class.max_blob_gas_per_block() == eels(name, "fork").MAX_BLOB_GAS_PER_BLOCK
    )
    assert vm_class.target_blob_gas_per_block() == gas.TARGET_BLOB_GAS_PER_BLOCK
    assert (
        vm_class.blob_schedule.base_fee_update_fraction
        == gas.BLOB_BASE_FEE_UPDATE_FRACTION
    )


def test_bpo_schedules_are_the_eip_values() -> None:
    assert BPO1_BLOB_SCHEDULE == BlobSchedule(10, 15, 8_346_193)
    assert BPO2_BLOB_SCHEDULE == BlobSchedule(14, 21, 11_684_671)


class ParentHeader:
    """The three fields excess blob gas depends on, for both implementations."""

    def __init__(self, excess: int, used: int, base_fee: int) -> None:
        self.excess_blob_gas = excess
        self.blob_gas_used = used
        self.base_fee_per_gas = base_fee


def eels_excess_blob_gas(name: str, parent: ParentHeader) -> int:
    blocks = eels(name, "blocks")
    header = blocks.Header.__new__(blocks.Header)
    for field_name, value in (
        ("excess_blob_gas", U64(parent.excess_blob_gas)),
        ("blob_gas_used", U64(parent.blob_gas_used)),
        ("base_fee_per_gas", Uint(parent.base_fee_per_gas)),
    ):
        object.__setattr__(header, field_name, value)
    return int(eels(name, "vm.gas").calculate_excess_blob_gas(header))


@pytest.mark.parametrize("fork", BLOB_FORKS, ids=lambda fork: fork.name)
@settings(max_examples=60, deadline=None)
@given(
    excess=st.integers(0, 2**22) | st.integers(0, 2**32),
    blobs=st.integers(0, 21),
    base_fee=st.integers(0, 2**12) | st.integers(0, 2**40),
)
def test_excess_blob_gas_matches_eels(
    fork: ProtocolFork, excess: int, blobs: int, base_fee: int
) -> None:
    parent = ParentHeader(excess, blobs * 2**17, base_fee)
    vm_class: Any = vm_class_for(fork)
    expected = eels_excess_blob_gas(fork.name.lower(), parent)
    assert vm_class.calculate_excess_blob_gas(parent) == expected


def modexp_call(base: bytes, exponent: bytes, modulus: bytes) -> bytes:
    lengths = b"".join(len(x).to_bytes(32, "big") for x in (base, exponent, modulus))
    return lengths + base + exponent + modulus


@settings(max_examples=200, deadline=None)
@given(
    base=st.binary(max_size=40),
    exponent=st.binary(max_size=40),
    modulus=st.binary(max_size=40),
    cut=st.integers(0, 40),
)
def test_modexp_output_matches_eels(
    base: bytes, exponent: bytes, modulus: bytes, cut: int
) -> None:
    """Includes the zero-length base that py-evm gets wrong."""
    data = modexp_call(base, exponent, modulus)
    data = data[: max(96, len(data) - cut)]  # truncated inputs read zeros
    precompile = eels("osaka", "vm.precompiled_contracts.modexp")
    evm = type("Evm", (), {})()
    evm.message = type("Message", (), {"data": data})()
    evm.gas_left = Uint(10**12)
    evm.output = b""
    precompile.modexp(evm)
    assert modexp_output(data) == evm.output
    charged = int(Uint(10**12) - evm.gas_left)
    assert modexp_gas_cost(data) == charged


def test_modexp_zero_base_is_one() -> None:
    """[EIP-198]: a zero-length base is 0, and 0 ** 0 mod 5 is 1."""
    assert modexp_output(modexp_call(b"", b"", b"\x05")) == b"\x01"
    assert modexp_output(modexp_call(b"", b"\x00", b"\x00\x05")) == b"\x00\x01"
    assert modexp_output(modexp_call(b"", b"\x01", b"\x05")) == b"\x00"


def test_p256_verify_matches_eels_on_edge_inputs() -> None:
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import ECC
    from Crypto.Signature import DSS

    from guest.forks.osaka import SECP256R1_N, SECP256R1_P

    key = ECC.construct(curve="P-256", d=7)
    digest = SHA256.new(b"p256")
    signature = DSS.new(key, "deterministic-rfc6979").sign(digest)
    h = int.from_bytes(digest.digest(), "big")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    qx, qy = int(key.pointQ.x), int(key.pointQ.y)
    cases = [
        (h, r, s, qx, qy),
        (h, r, SECP256R1_N - s, qx, qy),  # high s is valid for P-256
        (h ^ 1, r, s, qx, qy),
        (h, 0, s, qx, qy),
        (h, r, SECP256R1_N, qx, qy),
        (h, r, s, qx, qy ^ 1),
        (h, r, s, 0, 0),
        (h, r, s, SECP256R1_P, qy),
        (h + SECP256R1_N if h + SECP256R1_N < 2**256 else h, r, s, qx, qy),
    ]
    precompile = eels("osaka", "vm.precompiled_contracts.p256verify")
    for case in cases:
        data = b"".join(value.to_bytes(32, "big") for value in case)
        evm = type("Evm", (), {})()
        evm.message = type("Message", (), {"data": data})()
        evm.gas_left = Uint(10**6)
        evm.output = b""
        precompile.p256verify(evm)
        assert p256_verify(*case) == (evm.output != b""), case


def test_deposit_layout_constants_match_eels() -> None:
    requests = eels("prague", "requests")
    assert DEPOSIT_EVENT_LENGTH == requests.DEPOSIT_EVENT_LENGTH
    assert DEPOSIT_FIELD_OFFSETS == (
        requests.PUBKEY_OFFSET,
        requests.WITHDRAWAL_CREDENTIALS_OFFSET,
        requests.AMOUNT_OFFSET,
        requests.SIGNATURE_OFFSET,
        requests.INDEX_OFFSET,
    )


def test_osaka_block_size_cap() -> None:
    """[EIP-7934]: a block whose RLP exceeds 8 MiB is invalid."""
    assert MAX_RLP_BLOCK_SIZE == eels("osaka", "fork").MAX_RLP_BLOCK_SIZE
    chain, _ = differential_chain(ProtocolFork.Osaka)
    block = chain.build_block()
    vm_class: Any = chain.vm_class
    vm_class.validate_block_size(block)
    padding = MAX_RLP_BLOCK_SIZE - len(rlp.encode(block))
    data = b"\x00" * (padding // 2)
    txs = [chain.transaction(0, to=b"\x01" * 20, data=data, nonce=n) for n in (0, 1)]
    oversized = block.copy(transactions=txs)
    assert len(rlp.encode(oversized)) > MAX_RLP_BLOCK_SIZE
    with pytest.raises(InvalidBlock) as refusal:
        vm_class.validate_block_size(oversized)
    assert refusal.value.exception == BlockException.RLP_BLOCK_LIMIT_EXCEEDED


HEADER_MUTATIONS = [
    ("gas_limit", lambda h: h.gas_limit + h.gas_limit // 1024, "INVALID_GASLIMIT"),
    ("gas_used", lambda h: h.gas_limit + 1, "GAS_USED_OVERFLOW"),
    ("base_fee_per_gas", lambda h: h.base_fee_per_gas + 1, "INVALID_BASEFEE_PER_GAS"),
    (
        "timestamp",
        lambda h: h.timestamp - 12,
        "INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT",
    ),
    ("block_number", lambda h: h.block_number + 1, "INVALID_BLOCK_NUMBER"),
    ("extra_data", lambda h: b"\x00" * 33, "EXTRA_DATA_TOO_BIG"),
    ("difficulty", lambda h: 1, "INVALID_DIFFICULTY"),
    ("nonce", lambda h: b"\x00" * 7 + b"\x01", "INVALID_NONCE"),
    ("uncles_hash", lambda h: b"\x11" * 32, "INVALID_UNCLES_HASH"),
    ("parent_hash", lambda h: b"\x22" * 32, "UNKNOWN_PARENT"),
    ("excess_blob_gas", lambda h: h.excess_blob_gas + 1, "INCORRECT_EXCESS_BLOB_GAS"),
]


@pytest.mark.parametrize(
    "field_name, mutate, exception",
    HEADER_MUTATIONS,
    ids=[mutation[0] for mutation in HEADER_MUTATIONS],
)
@pytest.mark.parametrize("fork", (ProtocolFork.Paris, ProtocolFork.Osaka))
def test_header_rules_are_named_and_agree_with_eels(
    fork: ProtocolFork, field_name: str, mutate: Any, exception: str
) -> None:
    if field_name == "excess_blob_gas" and fork < ProtocolFork.Cancun:
        pytest.skip("no blob fields before Cancun")
    chain, oracle = differential_chain(fork)
    block = chain.build_block()
    parent = chain.blocks[-1].header
    vm_class: Any = chain.vm_class
    vm_class.validate_header(block.header, parent)
    oracle.fork_module.validate_header(oracle.chain, oracle.decode_header(block.header))
    bad = block.header.copy(**{field_name: mutate(block.header)})
    with pytest.raises(InvalidBlock) as refusal:
        vm_class.validate_header(bad, parent)
    assert refusal.value.exception == BlockException[exception]
    with pytest.raises(Exception):  # noqa: B017 - EELS raises a bare InvalidBlock
        oracle.fork_module.validate_header(oracle.chain, oracle.decode_header(bad))


def test_block_commitments_are_compared_in_specification_order() -> None:
    chain, _ = differential_chain(ProtocolFork.Prague)
    block = chain.build_block()
    vm_class: Any = chain.vm_class
    validate_commitments(header_commitments(vm_class, block.header, block.header))
    mutations = [
        ({"requests_hash": b"\x01" * 32}, BlockException.INVALID_REQUESTS),
        ({"state_root": b"\x01" * 32}, BlockException.INVALID_STATE_ROOT),
        (
            {"state_root": b"\x01" * 32, "gas_used": 1},
            BlockException.INVALID_GAS_USED,
        ),
        ({"blob_gas_used": 2**17}, BlockException.INCORRECT_BLOB_GAS_USED),
    ]
    for fields, exception in mutations:
        with pytest.raises(InvalidBlock) as refusal:
            computed = block.header.copy(**fields)
            validate_commitments(header_commitments(vm_class, block.header, computed))
        assert refusal.value.exception == exception
