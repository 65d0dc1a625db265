"""
Fork rules: one py-evm VM class per schema fork.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The schema id's fork alone selects the rules; block numbers and timestamps
never do. Each guest fork subclasses py-evm's VM, state, computation and
transaction executor of that fork, fixing py-evm where it departs from the
specification (see ``spec/forks.md``); Osaka, BPO1 and BPO2 are built here on
top of py-evm's Prague.

``vm_class_for(fork, chain_config)`` returns the fork's VM class configured
with the chain configuration's blob schedule and deposit contract. Classes are
cached by what they depend on, so every call with equal parameters returns the
same class.
"""

from functools import cache
from typing import Any

from eth.vm.base import VM

from ..chain_config import BlobSchedule, ChainConfig, default_chain_config
from ..schema import ProtocolFork
from .bpo import BPO1VM, BPO2VM
from .cancun import CancunVM
from .osaka import OsakaVM
from .paris import ParisVM
from .prague import PragueVM
from .shanghai import ShanghaiVM

VM_BY_FORK: dict[ProtocolFork, type[VM]] = {
    ProtocolFork.Paris: ParisVM,
    ProtocolFork.Shanghai: ShanghaiVM,
    ProtocolFork.Cancun: CancunVM,
    ProtocolFork.Prague: PragueVM,
    ProtocolFork.Osaka: OsakaVM,
    ProtocolFork.BPO1: BPO1VM,
    ProtocolFork.BPO2: BPO2VM,
}


def base_vm_class(fork: ProtocolFork) -> type[VM]:
    """Return the fork's VM class with its standard parameters."""
    if fork == ProtocolFork.Amsterdam:
        from .amsterdam import AmsterdamVM  # type: ignore[attr-defined]

        return AmsterdamVM  # type: ignore[no-any-return]
    return VM_BY_FORK[fork]


@cache
def configured_vm_class(
    fork: ProtocolFork,
    blob_schedule: BlobSchedule | None,
    deposit_contract_address: bytes,
) -> type[VM]:
    """Derive the fork's VM class with a blob schedule and a deposit contract."""
    vm_class: Any = base_vm_class(fork)
    vm_attributes: dict[str, Any] = {}
    if blob_schedule is not None and blob_schedule != vm_class.blob_schedule:
        state_class = vm_class.get_state_class()
        vm_attributes["blob_schedule"] = blob_schedule
        vm_attributes["_state_class"] = type(
            state_class.__name__, (state_class,), {"blob_schedule": blob_schedule}
        )
    if deposit_contract_address != getattr(
        vm_class, "deposit_contract_address", deposit_contract_address
    ):
        vm_attributes["deposit_contract_address"] = deposit_contract_address
    if not vm_attributes:
        return vm_class  # type: ignore[no-any-return]
    return type(vm_class.__name__, (vm_class,), vm_attributes)


def vm_class_for(
    fork: ProtocolFork, chain_config: ChainConfig | None = None
) -> type[VM]:
    """Return the VM class whose rules the schema fork selects."""
    config = chain_config or default_chain_config(chain_id=1)
    return configured_vm_class(
        fork, config.blob_schedule_for(fork), config.deposit_contract_address
    )
