"""
Two-dimensional gas meter.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

[EIP-8037] meters state growth apart from execution. A frame holds
``gas_remaining`` (execution gas, the only amount the ``GAS`` opcode sees)
and a *reservoir* of state gas. A state charge draws on the reservoir first
and *spills* the rest onto ``gas_remaining``; refills undo the most recent
spill first. A failing frame restores its reservoir to the *baseline* it
started with and gives its spill back; only the top frame *commits* spill
(the state gas of [EIP-7702] authorizations, which survives a failure).

The meter extends py-evm's ``GasMeter`` so that precompiles and unchanged
opcodes keep charging execution gas through ``consume_gas``. The refund
counter is signed inside a transaction.

[EIP-7702]: https://eips.ethereum.org/EIPS/eip-7702
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
"""

from eth.exceptions import OutOfGas
from eth.vm.gas_meter import GasMeter, allow_negative_refund_strategy


class StateGasMeter(GasMeter):
    """Meter execution gas and state gas of one frame."""

    state_gas_left: int
    state_gas_baseline: int
    state_gas_spilled: int
    state_gas_committed_spill: int

    def __init__(self, gas: int, state_gas_reservoir: int) -> None:
        super().__init__(gas, allow_negative_refund_strategy)
        self.state_gas_left = state_gas_reservoir
        self.state_gas_baseline = state_gas_reservoir
        self.state_gas_spilled = 0
        self.state_gas_committed_spill = 0

    def check_gas(self, amount: int, reason: str) -> None:
        """Fail before any state is read if ``amount`` is not affordable."""
        if amount > self.gas_remaining:
            raise OutOfGas(
                f"Out of gas: needed {amount}, remaining {self.gas_remaining} "
                f"({reason})"
            )

    def consume_state_gas(self, amount: int, reason: str) -> None:
        """Charge state growth to the reservoir, spilling onto execution gas."""
        if amount <= self.state_gas_left:
            self.state_gas_left -= amount
            return
        spill = amount - self.state_gas_left
        if spill > self.gas_remaining:
            raise OutOfGas(
                f"Out of state gas: needed {amount}, reservoir "
                f"{self.state_gas_left}, remaining {self.gas_remaining} ({reason})"
            )
        self.state_gas_left = 0
        self.gas_remaining -= spill
        self.state_gas_spilled += spill

    def refill_state_gas(self, amount: int) -> None:
        """Give back state gas whose growth was undone, latest spill first."""
        from_spill = min(amount, self.state_gas_spilled)
        self.gas_remaining += from_spill
        self.state_gas_spilled -= from_spill
        self.state_gas_left += amount - from_spill

    def repay_state_gas_spill(self) -> None:
        """Repay outstanding spill from the reservoir after a child succeeds."""
        repaid = min(self.state_gas_left, self.state_gas_spilled)
        self.gas_remaining += repaid
        self.state_gas_left -= repaid
        self.state_gas_spilled -= repaid

    def commit_state_gas(self) -> None:
        """Make the state gas charged so far survive a failure of the frame."""
        self.state_gas_committed_spill += self.state_gas_spilled
        self.state_gas_spilled = 0
        self.state_gas_baseline = self.state_gas_left

    def restore_state_gas(self) -> None:
        """Roll the frame's state gas and refunds back after it failed."""
        self.gas_remaining += self.state_gas_spilled
        self.state_gas_spilled = 0
        self.state_gas_left = self.state_gas_baseline
        self.gas_refunded = 0

    def restore_to_entry(self, state_gas_reservoir: int) -> None:
        """Undo every state charge of a top frame whose preparation failed."""
        self.gas_remaining += self.state_gas_spilled + self.state_gas_committed_spill
        self.state_gas_spilled = 0
        self.state_gas_committed_spill = 0
        self.state_gas_left = state_gas_reservoir
        self.state_gas_baseline = state_gas_reservoir
        self.gas_refunded = 0

    def forfeit_gas(self) -> None:
        """Burn the execution gas left after an exceptional halt."""
        self.gas_remaining = 0

    def take_state_gas_reservoir(self) -> int:
        """Hand the whole reservoir to a child frame."""
        reservoir = self.state_gas_left
        self.state_gas_left = 0
        return reservoir

    def absorb(self, child: "StateGasMeter") -> None:
        """Take back what a returning child frame did not use."""
        self.gas_remaining += child.gas_remaining
        self.state_gas_left += child.state_gas_left
        self.state_gas_spilled += child.state_gas_spilled
        self.gas_refunded += child.gas_refunded

    def state_gas_used(self, initial_reservoir: int) -> int:
        """Return the transaction's net state gas (may be negative)."""
        return (
            initial_reservoir
            - self.state_gas_left
            + self.state_gas_spilled
            + self.state_gas_committed_spill
        )
