"""
Chain configuration: blob schedules, deposit contract and fork activations.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The stateless input names its fork through the schema id and carries only a
``chain_id``; everything else a block's rules need comes from configuration.
The default follows the reth guest and the specification: the fork's rules
come from the schema id, every fork uses its standard blob schedule
([EIP-7840], [EIP-7892]) and the mainnet deposit contract ([EIP-6110]) is used
for every chain id.

Built-in configurations exist for mainnet, Sepolia and Hoodi. They differ from
the default only in the deposit contract (Sepolia) and in carrying activation
timestamps, which ``check_fork_schedule`` uses when the host asks for a fork
schedule check (off by default, like the reth guest and EELS).

``load_chain_config`` reads the ``config`` object of a geth-style genesis file.
It may override blob schedules and the deposit contract; it never changes the
wire format or which rules a schema id selects.

This module is on the guest path: it must not import ``json`` or other
host-only modules; ``load_chain_config`` takes an already parsed object.

[EIP-6110]: https://eips.ethereum.org/EIPS/eip-6110
[EIP-7840]: https://eips.ethereum.org/EIPS/eip-7840
[EIP-7892]: https://eips.ethereum.org/EIPS/eip-7892
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import StatelessException, StatelessRefusal
from .schema import ProtocolFork


@dataclass(frozen=True)
class BlobSchedule:
    """Blob parameters of one fork ([EIP-7840] ``blobSchedule`` entry)."""

    target: int
    max: int
    base_fee_update_fraction: int


CANCUN_BLOB_SCHEDULE = BlobSchedule(3, 6, 3_338_477)
PRAGUE_BLOB_SCHEDULE = BlobSchedule(6, 9, 5_007_716)
OSAKA_BLOB_SCHEDULE = PRAGUE_BLOB_SCHEDULE
BPO1_BLOB_SCHEDULE = BlobSchedule(10, 15, 8_346_193)
BPO2_BLOB_SCHEDULE = BlobSchedule(14, 21, 11_684_671)

STANDARD_BLOB_SCHEDULES: Mapping[ProtocolFork, BlobSchedule] = {
    ProtocolFork.Cancun: CANCUN_BLOB_SCHEDULE,
    ProtocolFork.Prague: PRAGUE_BLOB_SCHEDULE,
    ProtocolFork.Osaka: OSAKA_BLOB_SCHEDULE,
    ProtocolFork.BPO1: BPO1_BLOB_SCHEDULE,
    ProtocolFork.BPO2: BPO2_BLOB_SCHEDULE,
    ProtocolFork.Amsterdam: BPO2_BLOB_SCHEDULE,
}

MAINNET_DEPOSIT_CONTRACT_ADDRESS = bytes.fromhex(
    "00000000219ab540356cbb839cbe05303d7705fa"
)
SEPOLIA_DEPOSIT_CONTRACT_ADDRESS = bytes.fromhex(
    "7f02c3e3c98b133055b8b348b2ac625669ed295d"
)

MAINNET_CHAIN_ID = 1
SEPOLIA_CHAIN_ID = 11_155_111
HOODI_CHAIN_ID = 560_048

# Names of the forks in a geth-style genesis ``config`` (``<name>Time`` keys and
# ``blobSchedule`` entries).
GENESIS_FORK_NAMES: Mapping[ProtocolFork, str] = {
    ProtocolFork.Shanghai: "shanghai",
    ProtocolFork.Cancun: "cancun",
    ProtocolFork.Prague: "prague",
    ProtocolFork.Osaka: "osaka",
    ProtocolFork.BPO1: "bpo1",
    ProtocolFork.BPO2: "bpo2",
    ProtocolFork.Amsterdam: "amsterdam",
}


@dataclass(frozen=True)
class ChainConfig:
    """
    Parameters of one chain that the stateless input does not carry.

    ``activation_times`` maps a fork to the timestamp from which it applies; a
    fork that is absent has no known timestamp (Paris is activated by total
    difficulty on mainnet and Sepolia, later forks may be unscheduled).
    """

    chain_id: int
    blob_schedules: Mapping[ProtocolFork, BlobSchedule] = field(
        default_factory=lambda: dict(STANDARD_BLOB_SCHEDULES)
    )
    deposit_contract_address: bytes = MAINNET_DEPOSIT_CONTRACT_ADDRESS
    activation_times: Mapping[ProtocolFork, int] = field(default_factory=dict)

    def blob_schedule_for(self, fork: ProtocolFork) -> BlobSchedule | None:
        """Return the fork's blob schedule; ``None`` before blobs existed."""
        if fork < ProtocolFork.Cancun:
            return None
        return self.blob_schedules.get(fork, STANDARD_BLOB_SCHEDULES[fork])


MAINNET_CONFIG = ChainConfig(
    chain_id=MAINNET_CHAIN_ID,
    activation_times={
        ProtocolFork.Shanghai: 1_681_338_455,
        ProtocolFork.Cancun: 1_710_338_135,
        ProtocolFork.Prague: 1_746_612_311,
        ProtocolFork.Osaka: 1_764_798_551,
        ProtocolFork.BPO1: 1_765_290_071,
        ProtocolFork.BPO2: 1_767_747_671,
    },
)

SEPOLIA_CONFIG = ChainConfig(
    chain_id=SEPOLIA_CHAIN_ID,
    deposit_contract_address=SEPOLIA_DEPOSIT_CONTRACT_ADDRESS,
    activation_times={
        ProtocolFork.Shanghai: 1_677_557_088,
        ProtocolFork.Cancun: 1_706_655_072,
        ProtocolFork.Prague: 1_741_159_776,
        ProtocolFork.Osaka: 1_760_427_360,
        ProtocolFork.BPO1: 1_761_017_184,
        ProtocolFork.BPO2: 1_761_607_008,
        ProtocolFork.Amsterdam: 1_791_294_816,
    },
)

HOODI_CONFIG = ChainConfig(
    chain_id=HOODI_CHAIN_ID,
    activation_times={
        ProtocolFork.Paris: 0,
        ProtocolFork.Shanghai: 0,
        ProtocolFork.Cancun: 0,
        ProtocolFork.Prague: 1_742_999_832,
        ProtocolFork.Osaka: 1_761_677_592,
        ProtocolFork.BPO1: 1_762_365_720,
        ProtocolFork.BPO2: 1_762_955_544,
    },
)

BUILTIN_CHAIN_CONFIGS: Mapping[int, ChainConfig] = {
    config.chain_id: config for config in (MAINNET_CONFIG, SEPOLIA_CONFIG, HOODI_CONFIG)
}


def default_chain_config(chain_id: int) -> ChainConfig:
    """Return the reth guest's configuration: standard schedules, mainnet deposits."""
    return ChainConfig(chain_id=chain_id)


def chain_config_for(chain_id: int) -> ChainConfig:
    """Return the built-in configuration of a known chain, else the default."""
    return BUILTIN_CHAIN_CONFIGS.get(chain_id) or default_chain_config(chain_id)


def parse_quantity(value: Any) -> int:
    """Read a genesis number written as an integer or a (hex) string."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.lower().startswith("0x") else int(value)
    raise ValueError(f"not a number: {value!r}")


def parse_address(value: Any) -> bytes:
    """Read a 20-byte address written as a hex string."""
    if not isinstance(value, str):
        raise ValueError(f"not an address: {value!r}")
    address = bytes.fromhex(value.removeprefix("0x").removeprefix("0X"))
    if len(address) != 20:
        raise ValueError(f"not a 20-byte address: {value!r}")
    return address


def parse_blob_schedule(entry: Mapping[str, Any]) -> BlobSchedule:
    """Read one ``blobSchedule`` entry of a genesis configuration."""
    return BlobSchedule(
        target=parse_quantity(entry["target"]),
        max=parse_quantity(entry["max"]),
        base_fee_update_fraction=parse_quantity(entry["baseFeeUpdateFraction"]),
    )


def load_chain_config(
    obj: Mapping[str, Any], base: ChainConfig | None = None
) -> ChainConfig:
    """
    Build a configuration from the ``config`` object of a geth-style genesis.

    Start from ``base`` (else the built-in or default configuration of the
    object's ``chainId``) and override what the object states: activation
    times (``shanghaiTime`` ... ``amsterdamTime``), ``blobSchedule`` entries
    and ``depositContractAddress``.
    """
    chain_id = parse_quantity(obj["chainId"])
    config = base if base is not None else chain_config_for(chain_id)

    activation_times = dict(config.activation_times)
    blob_schedules = dict(config.blob_schedules)
    for fork, name in GENESIS_FORK_NAMES.items():
        if obj.get(f"{name}Time") is not None:
            activation_times[fork] = parse_quantity(obj[f"{name}Time"])
        schedule = obj.get("blobSchedule", {}).get(name)
        if schedule is not None:
            blob_schedules[fork] = parse_blob_schedule(schedule)

    deposit_contract_address = config.deposit_contract_address
    if obj.get("depositContractAddress") is not None:
        deposit_contract_address = parse_address(obj["depositContractAddress"])

    return replace(
        config,
        chain_id=chain_id,
        activation_times=activation_times,
        blob_schedules=blob_schedules,
        deposit_contract_address=deposit_contract_address,
    )


def check_fork_schedule(
    config: ChainConfig, fork: ProtocolFork, timestamp: int
) -> None:
    """
    Refuse a block whose timestamp lies outside the schema fork's window.

    The window starts at the fork's activation (unchecked when unknown) and
    ends before the activation of the next fork that has a timestamp. Only
    used behind the host's ``--check-fork-schedule`` flag.
    """
    start = config.activation_times.get(fork)
    if start is not None and timestamp < start:
        raise StatelessRefusal(
            StatelessException.FORK_NOT_ACTIVE,
            f"{fork.name} activates at {start}, block timestamp is {timestamp}",
        )
    later = [
        activation
        for later_fork, activation in config.activation_times.items()
        if later_fork > fork
    ]
    if later and timestamp >= min(later):
        raise StatelessRefusal(
            StatelessException.FORK_NOT_ACTIVE,
            f"{fork.name} ended at {min(later)}, block timestamp is {timestamp}",
        )
