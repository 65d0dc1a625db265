"""
Amsterdam call frames.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A frame (py-evm's *computation*) here carries the two-dimensional meter of
[EIP-8037]: its message brings a state-gas reservoir, and a returning child
gives back both dimensions. Moving ether logs a transfer [EIP-7708]; code
deposit is priced per word of execution gas and per byte of state gas
[EIP-8037] up to the larger size limit of [EIP-7954].

``apply_message`` and ``apply_create_message`` follow the execution-specs
``process_message`` and ``process_create_message``: the value moves inside
the frame's snapshot, and a failed frame rolls back its state and its state
gas before its parent takes back what is left.

[EIP-7708]: https://eips.ethereum.org/EIPS/eip-7708
[EIP-7954]: https://eips.ethereum.org/EIPS/eip-7954
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from collections.abc import Iterable, Sequence
from typing import Any, cast

from eth._utils.numeric import ceil32
from eth.abc import ComputationAPI, MessageAPI, StateAPI, TransactionContextAPI
from eth.exceptions import Halt, OutOfGas, ReservedBytesInCode, VMError
from eth.vm.computation import memory_gas_cost
from eth.vm.execution_context import ExecutionContext
from eth.vm.logic.invalid import InvalidOpcode
from eth.vm.transaction_context import BaseTransactionContext
from eth_typing import Address, Hash32

from ..osaka import OsakaComputation
from .gas import (
    MAX_CODE_SIZE,
    code_deposit_execution_cost,
    code_deposit_state_gas,
)
from .gas_meter import StateGasMeter
from .instructions import AmsterdamMessage, emit_transfer_log, move_ether
from .opcodes import AMSTERDAM_OPCODES

CONTRACT_CODE_PREFIX_RESERVED = 0xEF


class AmsterdamExecutionContext(ExecutionContext):
    """Carry the block's beacon slot number next to py-evm's block context."""

    def __init__(self, *, slot_number: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._slot_number = slot_number

    @property
    def slot_number(self) -> int:
        """Return the slot number of the block [EIP-7843]."""
        return self._slot_number


class AmsterdamTransactionContext(BaseTransactionContext):
    """Carry what a transaction's frames share besides the state."""

    __slots__ = ["created_accounts"]

    def __init__(
        self,
        gas_price: int,
        origin: Address,
        blob_versioned_hashes: Sequence[Hash32] | None = None,
    ) -> None:
        super().__init__(gas_price, origin, blob_versioned_hashes)
        self.created_accounts: set[Address] = set()

    @property
    def blob_versioned_hashes(self) -> Sequence[Hash32]:
        """Return the blob hashes the ``BLOBHASH`` opcode reads."""
        return self._blob_versioned_hashes


class AmsterdamComputation(OsakaComputation):
    """A call frame metered in execution gas and state gas."""

    opcodes = AMSTERDAM_OPCODES

    def __init__(
        self,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
        gas_meter: StateGasMeter | None = None,
    ) -> None:
        super().__init__(state, message, transaction_context)
        if gas_meter is not None:
            self._gas_meter = gas_meter

    def _configure_gas_meter(self) -> StateGasMeter:
        return StateGasMeter(
            self.msg.gas, cast(AmsterdamMessage, self.msg).state_gas_reservoir
        )

    @property
    def meter(self) -> StateGasMeter:
        """Return the frame's two-dimensional meter."""
        return cast(StateGasMeter, self._gas_meter)

    @property
    def created_accounts(self) -> set[Address]:
        """Return the accounts created in this transaction [EIP-6780]."""
        return cast(
            AmsterdamTransactionContext, self.transaction_context
        ).created_accounts

    # -- frames -- #
    @classmethod
    def apply_message(
        cls,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
        parent_computation: ComputationAPI | None = None,
        gas_meter: StateGasMeter | None = None,
    ) -> ComputationAPI:
        """Move the value and run the code inside the frame's snapshot."""
        computation = cls(state, message, transaction_context, gas_meter)
        snapshot = state.snapshot()
        if message.should_transfer_value and message.value:
            move_ether(state, message.sender, message.storage_address, message.value)
            emit_transfer_log(
                computation, message.sender, message.storage_address, message.value
            )
        computation.execute_code()
        if computation.is_error:
            state.revert(snapshot)
        else:
            state.commit(snapshot)
        return computation

    @classmethod
    def apply_create_message(
        cls,
        state: StateAPI,
        message: MessageAPI,
        transaction_context: TransactionContextAPI,
        parent_computation: ComputationAPI | None = None,
        gas_meter: StateGasMeter | None = None,
    ) -> ComputationAPI:
        """Create the account, run the init code and deposit the code."""
        contract = message.storage_address
        snapshot = state.snapshot()
        state.delete_storage(contract)
        cast(AmsterdamTransactionContext, transaction_context).created_accounts.add(
            contract
        )
        state.increment_nonce(contract)
        computation = cast(
            AmsterdamComputation,
            cls.apply_message(state, message, transaction_context, gas_meter=gas_meter),
        )
        if computation.is_error:
            state.revert(snapshot)
            return computation
        code = computation.output
        try:
            charge_code_deposit(computation, code)
        except VMError as error:
            state.revert(snapshot)
            computation.fail(error)
        else:
            state.set_code(contract, code)
            state.commit(snapshot)
        return computation

    def execute_code(self) -> None:
        """Run the precompile or the code; settle the meter on failure."""
        try:
            precompile = self.precompiles.get(self.msg.code_address)
            if precompile is not None:
                if not self.msg.is_delegation:
                    precompile(self)
            else:
                self.run_opcodes()
        except VMError as error:
            self.fail(error)

    def run_opcodes(self) -> None:
        """Run the interpreter loop until the code stops."""
        opcodes = self.opcodes
        for opcode in self.code:
            opcode_fn = opcodes.get(opcode) or InvalidOpcode(opcode)
            try:
                opcode_fn(computation=self)
            except Halt:
                break

    def fail(self, error: VMError) -> None:
        """Record a failure: roll back state gas, and forfeit gas on a halt."""
        self._error = error
        self.meter.restore_state_gas()
        if error.burns_gas:
            self.meter.forfeit_gas()
        if error.erases_return_data:
            self.return_data = b""

    def incorporate_child(self, child: ComputationAPI) -> None:
        """Take back a child's gas; repay spill if it succeeded."""
        child_meter = cast(AmsterdamComputation, child).meter
        self.meter.absorb(child_meter)
        if child.is_success:
            self.meter.repay_state_gas_spill()

    def get_gas_refund(self) -> int:
        """Return the frame's signed refund counter, children included."""
        return self.meter.gas_refunded

    # -- helpers for the opcodes -- #
    def memory_expansion_cost(self, extensions: Iterable[tuple[int, int]]) -> int:
        """Price growing memory over ``extensions`` without growing it."""
        current = len(self._memory)
        cost = 0
        for start, size in extensions:
            if size == 0:
                continue
            after = ceil32(start + size)
            if after <= current:
                continue
            cost += memory_gas_cost(after) - memory_gas_cost(current)
            current = after
        return cost


def charge_code_deposit(computation: AmsterdamComputation, code: bytes) -> None:
    """Reject or price the code a creation returns [EIP-3541] [EIP-8037]."""
    if code[:1] == bytes([CONTRACT_CODE_PREFIX_RESERVED]):
        raise ReservedBytesInCode("Contract code begins with EF byte")
    if len(code) > MAX_CODE_SIZE:
        raise OutOfGas(f"Contract code size {len(code)} exceeds {MAX_CODE_SIZE}")
    computation.meter.consume_gas(
        code_deposit_execution_cost(len(code)), reason="code deposit"
    )
    computation.meter.consume_state_gas(
        code_deposit_state_gas(len(code)), reason="code deposit"
    )
