"""
Fork rules: one py-evm VM class per schema fork.

Placeholder registry using py-evm's stock VMs; the fork-rules work replaces
it with fixed and extended subclasses, keeping ``vm_class_for``.
"""

from eth.abc import VirtualMachineAPI
from eth.vm.forks import CancunVM, ParisVM, PragueVM, ShanghaiVM

from ..schema import ProtocolFork

VM_BY_FORK: dict[ProtocolFork, type[VirtualMachineAPI]] = {
    ProtocolFork.Paris: ParisVM,
    ProtocolFork.Shanghai: ShanghaiVM,
    ProtocolFork.Cancun: CancunVM,
    ProtocolFork.Prague: PragueVM,
}


def vm_class_for(fork: ProtocolFork) -> type[VirtualMachineAPI]:
    """Return the VM class whose rules the schema fork selects."""
    return VM_BY_FORK[fork]
