"""
Differential oracle: EEST state tests through EELS and through the guest.

Each post entry of a state test becomes a one-block chain: a genesis holding
the test's ``pre`` plus its fork's system contracts, with the test's coinbase,
gas limit, timestamp, base fee and randomness, and one block carrying the
entry's ``txbytes``. The block is built with the guest's py-evm VM (or, when
the VM refuses the transaction, as an empty block that carries it anyway).

The same block then goes through:

- the execution specification (``ethereum-execution`` 2.20.0,
  ``fork.state_transition`` of cancun/prague/osaka/bpo1/bpo2), which must
  accept or refuse it;
- the host builder (a stateless input from the full genesis state) and the
  stateless guest.

A pass is agreement: both accept (then both reproduced the header's state
root, receipts and requests) or both refuse. Osaka cases also run under BPO1
and BPO2, whose rules differ only in the blob schedule.
"""

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth.db.trie import make_trie_root_and_nodes

from guest.forks import vm_class_for
from guest.host.builder import BuilderError, build_stateless_input
from guest.schema import ProtocolFork
from guest.stateless_guest import run_stateless_guest_with_verdict
from tests.fork_chains import (
    CHAIN_ID,
    EelsChain,
    ForkChain,
    refused_by,
    system_contracts,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
STATE_ARCHIVES = (
    SHARED / "eest" / "eest-v4-2025-02-state-tests.tar.xz",
    SHARED / "eest" / "eest-fusaka-devnet-5-osaka-state-tests.tar.xz",
)
BLOCK_INTERVAL = 12
ORACLE_FORKS = {
    "Cancun": (ProtocolFork.Cancun,),
    "Prague": (ProtocolFork.Prague,),
    "Osaka": (ProtocolFork.Osaka, ProtocolFork.BPO1, ProtocolFork.BPO2),
}
"""A state test's fork name to the forks its entries run under."""
SLOW_DIRECTORIES = ("eip2537_bls_12_381_precompiles", "point_evaluation_precompile")
"""Pure-Python pairings: seconds to minutes per case on both sides."""


@dataclass(frozen=True)
class StateCase:
    """One post entry of one state test, run under one fork."""

    name: str
    path: str
    fork: ProtocolFork
    test: dict[str, Any]
    post: dict[str, Any]

    @property
    def label(self) -> str:
        """Name the case for reports."""
        indexes = self.post.get("indexes", {})
        index = "-".join(str(indexes.get(k, 0)) for k in ("data", "gas", "value"))
        return f"{self.name}[{self.fork.name}-{index}]"


@dataclass(frozen=True)
class Outcome:
    """Hold both verdicts on one case, or why it was skipped."""

    case: StateCase
    eels_error: str | None = None
    guest_reason: str | None = None
    guest_accepted: bool = False
    skip_reason: str | None = None

    @property
    def agreed(self) -> bool:
        """Tell whether EELS and the guest agree on the block's validity."""
        return self.skip_reason is None and (self.eels_error is None) == (
            self.guest_accepted
        )

    def describe(self) -> str:
        """Summarize the disagreement on one line."""
        eels = "accepted" if self.eels_error is None else f"refused ({self.eels_error})"
        guest = "accepted" if self.guest_accepted else f"refused ({self.guest_reason})"
        return f"{self.case.label}: EELS {eels}, guest {guest}"


def iter_state_cases(
    archives: tuple[Path, ...] = STATE_ARCHIVES,
) -> Iterator[StateCase]:
    """Yield every case of the state-test archives that exist."""
    for archive in archives:
        if not archive.exists():
            continue
        with tarfile.open(archive) as tar:
            members = sorted(
                (m for m in tar.getmembers() if m.name.endswith(".json")),
                key=lambda m: m.name,
            )
            for member in members:
                extracted = tar.extractfile(member)
                assert extracted is not None
                for name, test in json.load(extracted).items():
                    for fork_name, posts in test["post"].items():
                        for fork in ORACLE_FORKS.get(fork_name, ()):
                            for post in posts:
                                yield StateCase(name, member.name, fork, test, post)


def run_case(case: StateCase) -> Outcome:
    """Build the case's block and ask EELS and the guest about it."""
    vm_class: Any = vm_class_for(case.fork)
    try:
        transaction = vm_class.get_transaction_builder().decode(
            _bytes(case.post["txbytes"])
        )
    except Exception as error:
        return Outcome(case, skip_reason=f"transaction does not decode: {error}")
    env = case.test["env"]
    alloc = _genesis_alloc(case)
    chain = ForkChain(case.fork, vm_class, alloc, genesis_params=_genesis_params(env))
    eels = EelsChain(case.fork, alloc)
    eels.start(chain.blocks[0])
    block = _block(chain, transaction, env)
    eels_error = refused_by(lambda: eels.apply(block))
    genesis = chain.blocks[0].header
    try:
        built = build_stateless_input(
            case.fork, CHAIN_ID, chain.chain.chaindb.db, [genesis], block
        )
    except BuilderError as error:
        return Outcome(case, skip_reason=f"no stateless input: {error}")
    verdict = run_stateless_guest_with_verdict(built.input_bytes)
    return Outcome(
        case,
        eels_error=None if eels_error is None else _name(eels_error),
        guest_reason=verdict.refusal.reason if verdict.refusal else verdict.status,
        guest_accepted=verdict.result.successful_validation,
    )


def _block(chain: ForkChain, transaction: Any, env: dict[str, Any]) -> Any:
    """Build the block; if the VM refuses the transaction, carry it anyway."""
    fields = {
        "coinbase": _bytes(env["currentCoinbase"]),
        "timestamp": int(env["currentTimestamp"], 16),
        "mix_hash": _bytes(env["currentRandom"]),
    }
    try:
        return chain.build_block([transaction], **fields)
    except Exception:
        empty = chain.build_block([], **fields)
        root = make_trie_root_and_nodes([transaction])[0]
        header = empty.header.copy(transaction_root=root)
        return empty.copy(header=header, transactions=[transaction])


def _genesis_alloc(case: StateCase) -> dict[bytes, dict[str, Any]]:
    alloc = system_contracts(case.fork)
    for address, account in case.test["pre"].items():
        alloc[_bytes(address)] = {
            "balance": int(account["balance"], 16),
            "nonce": int(account["nonce"], 16),
            "code": _bytes(account["code"]),
            "storage": {
                int(slot, 16): int(value, 16)
                for slot, value in account["storage"].items()
            },
        }
    return alloc


def _genesis_params(env: dict[str, Any]) -> dict[str, Any]:
    """Give the parent the test's gas limit and a base fee that leads to its own."""
    base_fee = int(env["currentBaseFee"], 16)
    parent_base_fee = next(
        fee for fee in range(base_fee, 2 * base_fee + 2) if fee - fee // 8 == base_fee
    )
    return {
        "gas_limit": int(env["currentGasLimit"], 16),
        "base_fee_per_gas": parent_base_fee,
        "timestamp": int(env["currentTimestamp"], 16) - BLOCK_INTERVAL,
        "coinbase": _bytes(env["currentCoinbase"]),
    }


def is_slow(case: StateCase) -> bool:
    """Tell whether the case runs pure-Python pairings."""
    return any(directory in case.path for directory in SLOW_DIRECTORIES)


def _name(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:160]


def _bytes(text: str) -> bytes:
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)
