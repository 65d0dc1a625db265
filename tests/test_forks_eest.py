"""
EEST Osaka state tests (fusaka-devnet-5) as one-block chains.

Each state test case becomes a block on a genesis holding the test's ``pre``
plus the system contracts, with the test's coinbase, gas limit, timestamp,
base fee and randomness. The block built with the guest's VM must reproduce
the fixture's post-state accounts (an oracle independent of this project) and
be accepted by EELS; a case with ``expectException`` must be refused by both,
with the fixture's exception name.

A small representative subset runs by default (the first case of every file
and every expected exception); the rest is marked slow.
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

ARCHIVE = SHARED / "eest" / "eest-fusaka-devnet-5-osaka-state-tests.tar.xz"
FORK_BY_NAME = {
    "Prague": ProtocolFork.Prague,
    "Osaka": ProtocolFork.Osaka,
    "BPO1": ProtocolFork.BPO1,
    "BPO2": ProtocolFork.BPO2,
}
BLOCK_INTERVAL = 12


@dataclass(frozen=True)
class StateTestCase:
    """One post entry of one state test, for one fork."""

    file: str
    name: str
    fork: ProtocolFork
    case: dict[str, Any]
    post: dict[str, Any]


def load_cases() -> list[StateTestCase]:
    """Read every case of the archive, or none when ../shared is absent."""
    if not ARCHIVE.exists():
        return []
    cases = []
    with tarfile.open(ARCHIVE) as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            if not member.name.endswith(".json") or "/.meta/" in member.name:
                continue
            extracted = archive.extractfile(member)
            assert extracted is not None
            for name, case in json.load(extracted).items():
                for fork_name, posts in case["post"].items():
                    for post in posts:
                        if fork_name in FORK_BY_NAME:
                            cases.append(
                                StateTestCase(
                                    member.name.rsplit("/", 1)[-1],
                                    name,
                                    FORK_BY_NAME[fork_name],
                                    case,
                                    post,
                                )
                            )
    return cases


CASES = load_cases()


def is_representative(index: int) -> bool:
    """Keep the first case of every file and every expected refusal."""
    case = CASES[index]
    first_of_file = index == 0 or CASES[index - 1].file != case.file
    return first_of_file or "expectException" in case.post


def case_params() -> list[Any]:
    if not CASES:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason=f"{ARCHIVE} is absent (../shared)"),
            )
        ]
    return [
        pytest.param(
            case,
            id=f"{case.fork.name}-{case.file}-{index}",
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
def test_osaka_state_test_as_a_block(case: StateTestCase) -> None:
    env = case.case["env"]
    gas_limit = number(env["currentGasLimit"])
    timestamp = number(env["currentTimestamp"])
    alloc = genesis_alloc(case)
    chain = ForkChain(
        case.fork,
        vm_class_for(case.fork),
        alloc,
        genesis_params={
            "gas_limit": gas_limit,
            "base_fee_per_gas": parent_base_fee(number(env["currentBaseFee"])),
            "timestamp": timestamp - BLOCK_INTERVAL,
            "coinbase": address(env["currentCoinbase"]),
        },
    )
    eels = EelsChain(case.fork, alloc)
    eels.start(chain.blocks[0])
    header_fields = {
        "coinbase": address(env["currentCoinbase"]),
        "timestamp": timestamp,
        "mix_hash": bytes.fromhex(env["currentRandom"][2:]),
    }
    builder: Any = chain.vm_class.get_transaction_builder()
    transaction = builder.decode(bytes.fromhex(case.post["txbytes"][2:]))

    expected_exception = case.post.get("expectException")
    if expected_exception is None:
        block = chain.build_block([transaction], **header_fields)
        assert block.header.base_fee_per_gas == number(env["currentBaseFee"])
        eels.apply(block)
        chain.import_block(block)
        check_post_state(chain, case.post["state"])
    else:
        # Both refuse at the transaction, before any commitment is compared.
        block = chain.build_block([], **header_fields).copy(transactions=[transaction])
        assert refused_by(lambda: eels.apply(block)) is not None
        error = refused_by(lambda: chain.import_block(block))
        assert isinstance(error, Refusal)
        assert error.reason in expected_exception.split("|")
