"""
Cancun rules on py-evm, with the guest's fixes.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Adds to the Shanghai rules:

- blob transactions ([EIP-4844]) with the blob schedule of the VM class
  (target, max, base fee update fraction; a chain configuration may change
  it) and named refusals for every blob rule;
- the beacon roots update ([EIP-4788]) as a real system call from
  ``SYSTEM_ADDRESS`` with 30M gas whose result is ignored, as the
  specification does; py-evm writes the two storage slots directly, and only
  when the contract code is exactly the canonical code;
- the excess blob gas header check and the blob gas used commitment.
"""

from typing import Any, ClassVar, cast

from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    ComputationAPI,
    SignedTransactionAPI,
    TransactionExecutorAPI,
    TransactionFieldsAPI,
)
from eth.constants import SYSTEM_ADDRESS, SYSTEM_MESSAGE_GAS
from eth.vm.forks.cancun import CancunVM as PyEvmCancunVM
from eth.vm.forks.cancun.computation import (
    CancunComputation as PyEvmCancunComputation,
)
from eth.vm.forks.cancun.constants import (
    BEACON_ROOTS_ADDRESS,
    BLOB_TX_TYPE,
    GAS_PER_BLOB,
    MIN_BLOB_BASE_FEE,
    VERSIONED_HASH_VERSION_KZG,
)
from eth.vm.forks.cancun.state import CancunState as PyEvmCancunState
from eth.vm.forks.cancun.state import (
    CancunTransactionExecutor as PyEvmCancunTransactionExecutor,
)
from eth_typing import Address

from ..chain_config import CANCUN_BLOB_SCHEDULE, BlobSchedule
from ..errors import BlockException, InvalidBlock, InvalidTransaction
from ..errors import TransactionException as TxError
from .paris import HeaderCommitments, with_fixed_modexp
from .shanghai import (
    ShanghaiComputation,
    ShanghaiState,
    ShanghaiTransactionExecutor,
    ShanghaiVM,
)


def calculate_total_blob_gas(transaction: TransactionFieldsAPI) -> int:
    """Return the blob gas a transaction consumes (0 unless it carries blobs)."""
    if getattr(transaction, "type_id", None) != BLOB_TX_TYPE:
        return 0
    return GAS_PER_BLOB * len(transaction.blob_versioned_hashes)  # type: ignore


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """
    Approximate ``factor * e ** (numerator / denominator)`` ([EIP-4844]).

    Unlike py-evm's version, the series is not cut off after 10,000 terms.
    """
    i = 1
    output = 0
    numerator_accumulated = factor * denominator
    while numerator_accumulated > 0:
        output += numerator_accumulated
        numerator_accumulated = (numerator_accumulated * numerator) // (denominator * i)
        i += 1
    return output // denominator


def calculate_blob_gas_price(excess_blob_gas: int, schedule: BlobSchedule) -> int:
    """Price blob gas from the excess and the fork's update fraction."""
    return fake_exponential(
        MIN_BLOB_BASE_FEE, excess_blob_gas, schedule.base_fee_update_fraction
    )


class CancunComputation(ShanghaiComputation, PyEvmCancunComputation):
    """Cancun computation with the fixed MODEXP."""

    _precompiles = with_fixed_modexp(PyEvmCancunComputation._precompiles)


class CancunTransactionExecutor(
    ShanghaiTransactionExecutor, PyEvmCancunTransactionExecutor
):
    """Cancun executor with named transaction refusals."""


class CancunState(ShanghaiState, PyEvmCancunState):
    """Cancun state: blob rules and the blob price from the blob schedule."""

    computation_class = CancunComputation
    transaction_executor_class: type[TransactionExecutorAPI] = CancunTransactionExecutor
    blob_schedule: ClassVar[BlobSchedule] = CANCUN_BLOB_SCHEDULE
    max_blobs_per_transaction: ClassVar[int | None] = None

    @property
    def blob_base_fee(self) -> int:
        """Price blob gas with this fork's update fraction."""
        return calculate_blob_gas_price(
            self.execution_context.excess_blob_gas or 0, self.blob_schedule
        )

    def max_transaction_cost(self, transaction: SignedTransactionAPI) -> int:
        """Also count the most the blobs can cost."""
        blob_cost = 0
        if transaction.type_id == BLOB_TX_TYPE:
            blob_cost = calculate_total_blob_gas(transaction) * (
                transaction.max_fee_per_blob_gas  # type: ignore[attr-defined]
            )
        return super().max_transaction_cost(transaction) + blob_cost

    def validate_transaction_type_rules(
        self, transaction: SignedTransactionAPI
    ) -> None:
        """Refuse blob transactions that break a blob rule."""
        super().validate_transaction_type_rules(transaction)
        if transaction.type_id == BLOB_TX_TYPE:
            self.validate_blob_transaction(transaction)

    def validate_blob_transaction(self, transaction: Any) -> None:
        """Refuse no blobs, too many blobs, bad versions or a low blob fee cap."""
        blob_count = len(transaction.blob_versioned_hashes)
        if blob_count == 0:
            raise InvalidTransaction(TxError.TYPE_3_TX_ZERO_BLOBS)
        limit = self.max_blobs_per_transaction
        if limit is not None and blob_count > limit:
            raise InvalidTransaction(
                TxError.TYPE_3_TX_BLOB_COUNT_EXCEEDED, f"{blob_count} > {limit}"
            )
        for versioned_hash in transaction.blob_versioned_hashes:
            if versioned_hash[:1] != VERSIONED_HASH_VERSION_KZG:
                raise InvalidTransaction(
                    TxError.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH,
                    versioned_hash.hex(),
                )
        if transaction.max_fee_per_blob_gas < self.blob_base_fee:
            raise InvalidTransaction(
                TxError.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS,
                f"{transaction.max_fee_per_blob_gas} < {self.blob_base_fee}",
            )
        if transaction.to == b"":
            raise InvalidTransaction(TxError.TYPE_3_TX_CONTRACT_CREATION)


class CancunVM(ShanghaiVM, PyEvmCancunVM):
    """
    Cancun VM: blob schedule, excess blob gas and the beacon roots system call.

    ``blob_schedule`` is a class attribute; ``vm_class_for`` derives a class
    with a chain configuration's schedule.
    """

    _state_class = CancunState
    blob_schedule: ClassVar[BlobSchedule] = CANCUN_BLOB_SCHEDULE
    header_commitments: ClassVar[HeaderCommitments] = ShanghaiVM.header_commitments + (
        ("blob_gas_used", BlockException.INCORRECT_BLOB_GAS_USED),
    )

    @classmethod
    def max_blob_gas_per_block(cls) -> int:
        """Return the block's blob gas limit from the blob schedule."""
        return cls.blob_schedule.max * GAS_PER_BLOB

    @classmethod
    def target_blob_gas_per_block(cls) -> int:
        """Return the block's blob gas target from the blob schedule."""
        return cls.blob_schedule.target * GAS_PER_BLOB

    @classmethod
    def calculate_excess_blob_gas(cls, parent_header: BlockHeaderAPI) -> int:
        """Carry the parent's blob gas above target into this block ([EIP-4844])."""
        parent_excess = getattr(parent_header, "excess_blob_gas", 0)
        parent_used = getattr(parent_header, "blob_gas_used", 0)
        target = cls.target_blob_gas_per_block()
        if parent_excess + parent_used < target:
            return 0
        return parent_excess + parent_used - target

    @classmethod
    def create_header_from_parent(  # type: ignore[override]
        cls, parent_header: BlockHeaderAPI | None, **header_params: Any
    ) -> BlockHeaderAPI:
        """Build the child header with this class's excess blob gas rule."""
        header = super().create_header_from_parent(parent_header, **header_params)
        if parent_header is None:
            return header
        return header.copy(excess_blob_gas=cls.calculate_excess_blob_gas(parent_header))

    def validate_transaction_against_header(
        self, base_header: BlockHeaderAPI, transaction: SignedTransactionAPI
    ) -> None:
        """Also refuse a transaction whose blobs do not fit in the block."""
        super().validate_transaction_against_header(base_header, transaction)
        available = self.max_blob_gas_per_block() - base_header.blob_gas_used
        blob_gas = calculate_total_blob_gas(transaction)
        if blob_gas > available:
            raise InvalidTransaction(
                TxError.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED,
                f"{blob_gas} > {available}",
            )

    def increment_blob_gas_used(
        self, old_header: BlockHeaderAPI, transaction: TransactionFieldsAPI
    ) -> BlockHeaderAPI:
        """Add the transaction's blob gas to the running header."""
        return old_header.copy(
            blob_gas_used=old_header.blob_gas_used
            + calculate_total_blob_gas(transaction)
        )

    def validate_block_blobs(self, block: BlockAPI) -> None:
        """Refuse a block whose blobs exceed the limit or its header's count."""
        blob_gas_used = sum(calculate_total_blob_gas(tx) for tx in block.transactions)
        if blob_gas_used > self.max_blob_gas_per_block():
            raise InvalidBlock(BlockException.BLOB_GAS_USED_ABOVE_LIMIT)
        if block.header.blob_gas_used != blob_gas_used:
            raise InvalidBlock(
                BlockException.INCORRECT_BLOB_GAS_USED,
                f"{block.header.blob_gas_used} != {blob_gas_used}",
            )

    def process_system_call(self, target: Address, data: bytes) -> ComputationAPI:
        """
        Run a system contract's code as a message from ``SYSTEM_ADDRESS``.

        The call gets 30M gas, transfers no value and, like a message call,
        leaves no state changes when it fails; callers decide what a failure
        means.
        """
        state: Any = self.state
        snapshot = state.snapshot()
        computation = self.execute_bytecode(
            origin=SYSTEM_ADDRESS,
            gas_price=state.execution_context.base_fee_per_gas,
            gas=SYSTEM_MESSAGE_GAS,
            to=target,
            sender=SYSTEM_ADDRESS,
            value=0,
            data=data,
            code=state.get_code(target),
            code_address=target,
        )
        if computation.is_error:
            state.revert(snapshot)
        else:
            state.commit(snapshot)
        state.clear_transient_storage()
        return computation

    def block_preprocessing(self, block: BlockAPI) -> None:
        """Store the parent beacon block root through its system contract."""
        super().block_preprocessing(block)
        parent_beacon_block_root = cast(bytes, block.header.parent_beacon_block_root)
        self.process_system_call(BEACON_ROOTS_ADDRESS, parent_beacon_block_root)
