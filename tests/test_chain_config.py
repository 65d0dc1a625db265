"""Chain configuration: defaults, built-in networks, genesis loading, schedule."""

import pytest

from guest.chain_config import (
    BUILTIN_CHAIN_CONFIGS,
    MAINNET_DEPOSIT_CONTRACT_ADDRESS,
    STANDARD_BLOB_SCHEDULES,
    BlobSchedule,
    ChainConfig,
    chain_config_for,
    check_fork_schedule,
    load_chain_config,
)
from guest.errors import StatelessException, StatelessRefusal
from guest.schema import ProtocolFork

MAINNET_DEPOSIT = "0x00000000219ab540356cBB839Cbe05303d7705Fa"
SEPOLIA_DEPOSIT = "0x7f02C3E3c98b133055B8B348B2Ac625669Ed295D"


def test_unknown_chains_follow_the_reth_guest() -> None:
    config = chain_config_for(12_345)
    assert config.chain_id == 12_345
    assert config.deposit_contract_address == bytes.fromhex(MAINNET_DEPOSIT[2:])
    assert config.activation_times == {}
    assert config.blob_schedule_for(ProtocolFork.Paris) is None
    assert config.blob_schedule_for(ProtocolFork.Shanghai) is None
    assert config.blob_schedule_for(ProtocolFork.Cancun) == BlobSchedule(
        3, 6, 3_338_477
    )
    assert config.blob_schedule_for(ProtocolFork.Osaka) == BlobSchedule(6, 9, 5_007_716)
    assert config.blob_schedule_for(ProtocolFork.Amsterdam) == BlobSchedule(
        14, 21, 11_684_671
    )


def test_builtin_networks() -> None:
    assert sorted(BUILTIN_CHAIN_CONFIGS) == [1, 560_048, 11_155_111]
    sepolia = chain_config_for(11_155_111)
    assert sepolia.deposit_contract_address == bytes.fromhex(SEPOLIA_DEPOSIT[2:])
    assert chain_config_for(560_048).deposit_contract_address == (
        MAINNET_DEPOSIT_CONTRACT_ADDRESS
    )
    mainnet = chain_config_for(1)
    assert mainnet.activation_times[ProtocolFork.Osaka] == 1_764_798_551
    assert mainnet.activation_times[ProtocolFork.BPO2] == 1_767_747_671
    for config in BUILTIN_CHAIN_CONFIGS.values():
        assert dict(config.blob_schedules) == dict(STANDARD_BLOB_SCHEDULES)


def test_genesis_config_overrides_schedules_deposits_and_times() -> None:
    genesis_config = {
        "chainId": 7_032_118_028,
        "cancunTime": 0,
        "pragueTime": "0x10",
        "osakaTime": 100,
        "bpo1Time": "200",
        "blobSchedule": {
            "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
            "osaka": {"target": "0x2", "max": 4, "baseFeeUpdateFraction": 1000},
        },
        "depositContractAddress": "0x" + "42" * 20,
    }
    config = load_chain_config(genesis_config)
    assert config.chain_id == 7_032_118_028
    assert config.activation_times == {
        ProtocolFork.Cancun: 0,
        ProtocolFork.Prague: 16,
        ProtocolFork.Osaka: 100,
        ProtocolFork.BPO1: 200,
    }
    assert config.blob_schedule_for(ProtocolFork.Osaka) == BlobSchedule(2, 4, 1000)
    assert config.blob_schedule_for(ProtocolFork.Prague) == BlobSchedule(
        6, 9, 5_007_716
    )
    assert config.deposit_contract_address == b"\x42" * 20


def test_genesis_config_of_a_known_chain_keeps_its_builtin_values() -> None:
    config = load_chain_config({"chainId": 11_155_111, "osakaTime": 5})
    assert config.deposit_contract_address == bytes.fromhex(SEPOLIA_DEPOSIT[2:])
    assert config.activation_times[ProtocolFork.Osaka] == 5
    assert config.activation_times[ProtocolFork.Prague] == 1_741_159_776


@pytest.mark.parametrize(
    "genesis_config",
    [
        {},
        {"chainId": "twelve"},
        {"chainId": 1, "depositContractAddress": "0x1234"},
        {"chainId": 1, "blobSchedule": {"osaka": {"target": 1, "max": 2}}},
        {"chainId": True},
    ],
)
def test_malformed_genesis_configs_are_rejected(genesis_config: dict) -> None:
    with pytest.raises((KeyError, ValueError)):
        load_chain_config(genesis_config)


MAINNET_WINDOWS = [
    (ProtocolFork.Prague, 1_746_612_311, True),
    (ProtocolFork.Prague, 1_746_612_310, False),
    (ProtocolFork.Prague, 1_764_798_550, True),
    (ProtocolFork.Prague, 1_764_798_551, False),
    (ProtocolFork.Osaka, 1_764_798_551, True),
    (ProtocolFork.BPO1, 1_765_290_071, True),
    (ProtocolFork.BPO1, 1_767_747_671, False),
    (ProtocolFork.BPO2, 1_767_747_671, True),
    (ProtocolFork.BPO2, 2**63, True),
    (ProtocolFork.Paris, 1_681_338_454, True),
    (ProtocolFork.Paris, 1_681_338_455, False),
]


@pytest.mark.parametrize("fork, timestamp, active", MAINNET_WINDOWS)
def test_fork_schedule_windows_on_mainnet(
    fork: ProtocolFork, timestamp: int, active: bool
) -> None:
    config = chain_config_for(1)
    if active:
        check_fork_schedule(config, fork, timestamp)
    else:
        with pytest.raises(StatelessRefusal) as refusal:
            check_fork_schedule(config, fork, timestamp)
        assert refusal.value.exception == StatelessException.FORK_NOT_ACTIVE


def test_fork_schedule_on_hoodi_and_unknown_chains() -> None:
    hoodi = chain_config_for(560_048)
    with pytest.raises(StatelessRefusal):
        check_fork_schedule(hoodi, ProtocolFork.Paris, 1_742_000_000)
    check_fork_schedule(hoodi, ProtocolFork.Cancun, 1_742_000_000)
    unknown = ChainConfig(chain_id=99)
    for fork in ProtocolFork:
        check_fork_schedule(unknown, fork, 0)
