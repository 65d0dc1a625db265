"""
Shanghai rules on py-evm, with the guest's fixes.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Adds to the Paris base: the initcode size limit and the initcode word cost
as transaction validity rules ([EIP-3860]; py-evm only fails the creation and
leaves the word cost out of its intrinsic gas), and the withdrawals root among
the block commitments ([EIP-4895]).
"""

from typing import ClassVar

from eth.abc import SignedTransactionAPI, TransactionExecutorAPI
from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.vm.forks.shanghai import ShanghaiVM as PyEvmShanghaiVM
from eth.vm.forks.shanghai.computation import (
    ShanghaiComputation as PyEvmShanghaiComputation,
)
from eth.vm.forks.shanghai.constants import INITCODE_WORD_COST, MAX_INITCODE_SIZE
from eth.vm.forks.shanghai.state import ShanghaiState as PyEvmShanghaiState
from eth.vm.forks.shanghai.state import (
    ShanghaiTransactionExecutor as PyEvmShanghaiTransactionExecutor,
)

from ..errors import BlockException, InvalidTransaction, TransactionException
from .paris import (
    HeaderCommitments,
    ParisComputation,
    ParisState,
    ParisTransactionExecutor,
    ParisVM,
    with_fixed_modexp,
)


class ShanghaiComputation(ParisComputation, PyEvmShanghaiComputation):
    """Shanghai computation with the fixed MODEXP."""

    _precompiles = with_fixed_modexp(PyEvmShanghaiComputation._precompiles)  # type: ignore[assignment]


class ShanghaiTransactionExecutor(
    ParisTransactionExecutor, PyEvmShanghaiTransactionExecutor
):
    """Shanghai executor with named transaction refusals."""


class ShanghaiState(ParisState, PyEvmShanghaiState):
    """Shanghai state: refuse oversized initcode at validation."""

    computation_class = ShanghaiComputation
    transaction_executor_class: type[TransactionExecutorAPI] = (
        ShanghaiTransactionExecutor
    )

    def calculate_intrinsic_gas(self, transaction: SignedTransactionAPI) -> int:
        """
        Also count the initcode word cost of a creation ([EIP-3860]).

        py-evm charges it only when the creation runs, so its intrinsic gas
        would accept a gas limit that cannot pay for it.
        """
        intrinsic_gas = super().calculate_intrinsic_gas(transaction)
        if transaction.to == CREATE_CONTRACT_ADDRESS:
            words = (len(transaction.data) + 31) // 32
            intrinsic_gas += INITCODE_WORD_COST * words
        return intrinsic_gas

    def validate_transaction_format(self, transaction: SignedTransactionAPI) -> None:
        """Also refuse a creation whose initcode exceeds the limit."""
        super().validate_transaction_format(transaction)
        is_create = transaction.to == CREATE_CONTRACT_ADDRESS
        if is_create and len(transaction.data) > MAX_INITCODE_SIZE:
            raise InvalidTransaction(
                TransactionException.INITCODE_SIZE_EXCEEDED,
                f"{len(transaction.data)} > {MAX_INITCODE_SIZE}",
            )


class ShanghaiVM(ParisVM, PyEvmShanghaiVM):
    """Shanghai VM: Paris hooks plus the withdrawals root commitment."""

    _state_class = ShanghaiState
    header_commitments: ClassVar[HeaderCommitments] = ParisVM.header_commitments + (
        ("withdrawals_root", BlockException.INVALID_WITHDRAWALS_ROOT),
    )
