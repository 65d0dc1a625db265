"""
EEST state tests as one-block chains on the guest's VMs.

Two archives: the fusaka-devnet-5 Osaka state tests and the 2025-02 state
tests (mostly Prague; Paris, Shanghai and Cancun cases too). Each state test
case becomes a block on a genesis holding the test's ``pre`` plus the system
contracts, with the test's coinbase, gas limit, timestamp, base fee, excess
blob gas and randomness. The block built with the guest's VM must reproduce
the fixture's post-state accounts (an oracle independent of this project) and
be accepted by EELS; a case with ``expectException`` must be refused by both,
with the fixture's exception name.

A small representative subset runs by default; the rest is marked slow.
"""

import json
import tarfile
from dataclasses import dataclass
from typing import Any

import pytest
from eth.vm.forks.cancun.constants import BEACON_ROOTS_ADDRESS
from eth.vm.forks.prague.constants import HISTORY_STORAGE_ADDRESS

from guest.errors import Refusal
from guest.forks import vm_class_for
from guest.schema import ProtocolFork
from tests.conftest import SHARED
from tests.fork_chains import EelsChain, ForkChain, refused_by, system_contracts

OSAKA_ARCHIVE = SHARED / "eest" / "eest-fusaka-devnet-5-osaka-state-tests.tar.xz"
PRAGUE_ARCHIVE = SHARED / "eest" / "eest-v4-2025-02-state-tests.tar.xz"
FORK_BY_NAME = {fork.name: fork for fork in ProtocolFork}
BLOCK_INTERVAL = 12
PRAGUE_SAMPLE_EVERY = 8
"""Of the 2025-02 archive, the first case of every eighth file runs by default."""
SLOW_DIRECTORIES = ("eip2537_bls_12_381_precompiles", "point_evaluation_precompile")
"""Pure-Python pairings (py-evm's BLS12-381, EELS's KZG): seconds to minutes a case."""


STALE_NAMES = {
    "TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST": (
        "TransactionException.INTRINSIC_GAS_TOO_LOW"
    ),
    "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED": (
        "TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED"
    ),
}
"""
Names the 2025-02 fixtures give differently: they predate EEST's name for a
gas limit below the floor, and name a transaction with more blobs than a
block may hold by its count where the specification (and the guest) refuses
it by the block's blob gas left.
"""


@dataclass(frozen=True)
class StateTestCase:
    """One post entry of one state test, for one fork."""

    archive: str
    file_index: int
    path: str
    file: str
    name: str
    fork: ProtocolFork
    case: dict[str, Any]
    post: dict[str, Any]


def load_cases(path: Any) -> list[StateTestCase]:
    """Read every case of an archive, or none when ../shared is absent."""
    if not path.exists():
        return []
    cases = []
    label = "osaka" if path == OSAKA_ARCHIVE else "v4"
    with tarfile.open(path) as archive:
        members = sorted(archive.getmembers(), key=lambda m: m.name)
        for file_index, member in enumerate(members):
            if not member.name.endswith(".json") or "/.meta/" in member.name:
                continue
            extracted = archive.extractfile(member)
            assert extracted is not None
            for name, case in json.load(extracted).items():
                for fork_name, posts in case["post"].items():
                    if fork_name not in FORK_BY_NAME:
                        continue
                    for post in posts:
                        cases.append(
                            StateTestCase(
                                label,
                                file_index,
                                member.name,
                                member.name.rsplit("/", 1)[-1],
                                name,
                                FORK_BY_NAME[fork_name],
                                case,
                                post,
                            )
                        )
    return cases


CASES = load_cases(OSAKA_ARCHIVE) + load_cases(PRAGUE_ARCHIVE)


def is_representative(index: int) -> bool:
    """Keep the first case of a file (for v4, of every eighth file) and refusals."""
    case = CASES[index]
    previous = CASES[index - 1] if index else None
    first_of_file = previous is None or previous.file_index != case.file_index
    if any(directory in case.path for directory in SLOW_DIRECTORIES):
        return False
    if case.archive == "v4":
        first_of_file &= case.file_index % PRAGUE_SAMPLE_EVERY == 0
        names = {c.post.get("expectException") for c in CASES[:index]}
        new_refusal = case.post.get("expectException") not in names
        return first_of_file or new_refusal
    return first_of_file or "expectException" in case.post


def case_params() -> list[Any]:
    if not CASES:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason="EEST archives are absent (../shared)"),
            )
        ]
    return [
        pytest.param(
            case,
            id=f"{case.archive}-{case.fork.name}-{case.file}-{index}",
            marks=() if is_representative(index) else pytest.mark.slow,
        )
        for index, case in enumerate(CASES)
    ]


def number(value: str) -> int:
    return int(value, 16)


def address(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def parent_base_fee(base_fee: int) -> int:
    """Return an empty parent's base fee that [EIP-1559] lowers to ``base_fee``."""
    return next(
        fee for fee in range(base_fee, 2 * base_fee + 2) if fee - fee // 8 == base_fee
    )


def genesis_alloc(case: StateTestCase) -> dict[bytes, dict[str, Any]]:
    alloc = system_contracts(case.fork)
    for account_address, account in case.case["pre"].items():
        alloc[address(account_address)] = {
            "balance": number(account["balance"]),
            "nonce": number(account["nonce"]),
            "code": bytes.fromhex(account["code"][2:]),
            "storage": {
                number(slot): number(value)
                for slot, value in account["storage"].items()
            },
        }
    return alloc


def check_post_state(chain: ForkChain, expected: dict[str, Any]) -> None:
    """Compare every account the fixture lists, except system contracts."""
    state = chain.chain.get_vm().state
    skipped = {BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS}
    for account_address, account in expected.items():
        where = address(account_address)
        if where in skipped:
            continue
        assert state.get_nonce(where) == number(account["nonce"]), account_address
        assert state.get_balance(where) == number(account["balance"]), account_address
        assert state.get_code(where) == bytes.fromhex(account["code"][2:])
        for slot, value in account["storage"].items():
            assert state.get_storage(where, number(slot)) == number(value)


@pytest.mark.parametrize("case", case_params())
def test_state_test_as_a_block(case: StateTestCase) -> None:
    env = case.case["env"]
    gas_limit = number(env["currentGasLimit"])
    timestamp = number(env["currentTimestamp"])
    alloc = genesis_alloc(case)
    vm_class: Any = vm_class_for(case.fork)
    genesis_params = {
        "gas_limit": gas_limit,
        "base_fee_per_gas": parent_base_fee(number(env["currentBaseFee"])),
        "timestamp": timestamp - BLOCK_INTERVAL,
        "coinbase": address(env["currentCoinbase"]),
    }
    excess_blob_gas = number(env.get("currentExcessBlobGas", "0x0"))
    if excess_blob_gas:
        # An empty parent this far above target leaves exactly this excess.
        target = vm_class.target_blob_gas_per_block()
        genesis_params["excess_blob_gas"] = excess_blob_gas + target
    chain = ForkChain(case.fork, vm_class, alloc, genesis_params=genesis_params)
    eels = EelsChain(case.fork, alloc)
    eels.start(chain.blocks[0])
    header_fields = {
        "coinbase": address(env["currentCoinbase"]),
        "timestamp": timestamp,
        "mix_hash": bytes.fromhex(env["currentRandom"][2:]),
    }
    expected_exception = case.post.get("expectException")
    try:
        transaction = vm_class.get_transaction_builder().decode(
            bytes.fromhex(case.post["txbytes"][2:])
        )
    except Exception:
        # A transaction type the fork does not have cannot even be decoded.
        assert expected_exception is not None
        assert "PRE_FORK" in expected_exception
        return

    if expected_exception is None:
        block = chain.build_block([transaction], **header_fields)
        assert block.header.base_fee_per_gas == number(env["currentBaseFee"])
        assert getattr(block.header, "excess_blob_gas", 0) == excess_blob_gas
        eels.apply(block)
        chain.import_block(block)
        check_post_state(chain, case.post["state"])
    else:
        # Both refuse at the transaction, before any commitment is compared.
        block = chain.build_block([], **header_fields).copy(transactions=[transaction])
        assert refused_by(lambda: eels.apply(block)) is not None
        error = refused_by(lambda: chain.import_block(block))
        assert isinstance(error, Refusal)
        reason = error.reason
        if case.archive == "v4":
            reason = STALE_NAMES.get(reason, reason)
        assert reason in expected_exception.split("|")
