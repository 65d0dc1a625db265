"""Shared helpers of the EEST-based tests: which fixture files, and unpacking."""

from pathlib import Path

import pytest

from guest.host.eest import extract_fixtures

SHARED = Path(__file__).resolve().parents[2] / "shared"
BLOCKCHAIN_ARCHIVE = SHARED / "eest" / "eest-v4-2025-02-blockchain-tests.tar.xz"
STATE_ARCHIVE = SHARED / "eest" / "eest-v4-2025-02-state-tests.tar.xz"
OSAKA_STATE_ARCHIVE = SHARED / "eest" / "eest-fusaka-devnet-5-osaka-state-tests.tar.xz"

REPRESENTATIVE_BLOCKCHAIN_FILES = (
    # Paris and Shanghai networks (and pre-merge networks, which are skipped).
    "blockchain_tests/constantinople/eip1014_create2/recreate/recreate.json",
    # Shanghai to Cancun at timestamp 15,000; the beacon-root system call.
    "blockchain_tests/cancun/eip4788_beacon_root/beacon_root_contract/"
    "beacon_root_contract_deploy.json",
    # Invalid blob transactions next to valid blocks.
    "blockchain_tests/cancun/eip4844_blobs/blob_txs/invalid_tx_max_fee_per_blob_gas.json",
    # Cancun to Prague with withdrawal requests; then invalid deposit layouts.
    "blockchain_tests/prague/eip7002_el_triggerable_withdrawals/"
    "withdrawal_requests_during_fork/withdrawal_requests_during_fork.json",
    "blockchain_tests/prague/eip6110_deposits/deposits/deposit_negative.json",
    # Withdrawals, an invalid block among them; set-code transactions.
    "blockchain_tests/shanghai/eip4895_withdrawals/withdrawals/use_value_in_tx.json",
    "blockchain_tests/prague/eip7702_set_code_tx/set_code_txs/reset_code.json",
    # Storage deletions and re-creation (collapse siblings).
    "blockchain_tests/cancun/eip6780_selfdestruct/selfdestruct/"
    "recreate_self_destructed_contract_different_txs.json",
    # The Engine API layout: requests of all three types; bad versioned hashes.
    "blockchain_tests_engine/prague/eip7685_general_purpose_el_requests/"
    "deposits_withdrawals_consolidations/"
    "valid_deposit_withdrawal_consolidation_request_from_same_tx.json",
    "blockchain_tests_engine/cancun/eip4844_blobs/blob_txs/"
    "invalid_blob_hash_versioning_multiple_txs.json",
    "blockchain_tests_engine/constantinople/eip1014_create2/recreate/recreate.json",
    # A test on the draft EIP-2935 address (skipped with that reason).
    "blockchain_tests/cancun/eip1153_tstore/basic_tload/basic_tload_works.json",
)


def unpack(archive: Path, directory: Path, members: tuple[str, ...] = ()) -> list[Path]:
    """Unpack fixture files, or skip when ../shared is absent."""
    if not archive.exists():
        pytest.skip(
            f"{archive} is absent: ../shared (reference data beside the checkout) "
            "is only available on developer machines and in CI"
        )
    return extract_fixtures(archive, directory, members)
