"""
Prague rules on py-evm, with the guest's fixes.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Adds to the Cancun rules, fixing py-evm where it departs from the
specification:

- the calldata floor as a validity rule ([EIP-7623]): a transaction whose gas
  limit is below the floor is invalid (py-evm accepts it and charges more gas
  than the limit);
- the history storage update ([EIP-2935]) as a real system call, like the
  beacon roots update;
- execution requests ([EIP-7685]): deposits parsed from the deposit contract's
  logs with the event layout checked ([EIP-6110]; py-evm reads fixed offsets
  without checking), then the withdrawal ([EIP-7002]) and consolidation
  ([EIP-7251]) system calls, which must find code and must succeed (py-evm
  skips a missing contract and ignores a failed call);
- the deposit contract address as a class attribute, so that a chain
  configuration can change it;
- set-code transactions ([EIP-7702]): named refusals, and delegated senders
  count as EOAs.
"""

from collections.abc import Sequence
from hashlib import sha256
from typing import Any, ClassVar

from eth.abc import (
    BlockAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    TransactionExecutorAPI,
)
from eth.vm.forks.prague import PragueVM as PyEvmPragueVM
from eth.vm.forks.prague.computation import (
    PragueComputation as PyEvmPragueComputation,
)
from eth.vm.forks.prague.constants import (
    CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
    CONSOLIDATION_REQUEST_TYPE,
    DELEGATION_DESIGNATION_PREFIX,
    DEPOSIT_REQUEST_TYPE,
    HISTORY_STORAGE_ADDRESS,
    SET_CODE_TRANSACTION_TYPE,
    TOTAL_COST_FLOOR_PER_TOKEN,
    WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
    WITHDRAWAL_REQUEST_TYPE,
)
from eth.vm.forks.prague.state import PragueState as PyEvmPragueState
from eth.vm.forks.prague.state import (
    PragueTransactionExecutor as PyEvmPragueTransactionExecutor,
)
from eth_typing import Address

from ..chain_config import (
    MAINNET_DEPOSIT_CONTRACT_ADDRESS,
    PRAGUE_BLOB_SCHEDULE,
    BlobSchedule,
)
from ..errors import BlockException, InvalidBlock, InvalidTransaction
from ..errors import TransactionException as TxError
from .cancun import CancunComputation, CancunState, CancunTransactionExecutor, CancunVM
from .paris import HeaderCommitments, calculate_calldata_tokens, with_fixed_modexp

TRANSACTION_BASE_COST = 21_000
DELEGATED_CODE_SIZE = len(DELEGATION_DESIGNATION_PREFIX) + 20

DEPOSIT_EVENT_SIGNATURE_HASH = bytes.fromhex(
    "649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5"
)
DEPOSIT_FIELD_SIZES = (48, 32, 8, 96, 8)  # pubkey, credentials, amount, sig, index
ABI_WORD_SIZE = 32


def deposit_event_layout() -> tuple[tuple[int, ...], int]:
    """
    Return the deposit event's field offsets and its data length.

    The ABI encoding is a head of five offsets, then each field as a length
    word followed by its bytes padded to whole words.
    """
    offsets = []
    offset = ABI_WORD_SIZE * len(DEPOSIT_FIELD_SIZES)
    for size in DEPOSIT_FIELD_SIZES:
        offsets.append(offset)
        padded = -(-size // ABI_WORD_SIZE) * ABI_WORD_SIZE
        offset += ABI_WORD_SIZE + padded
    return tuple(offsets), offset


DEPOSIT_FIELD_OFFSETS, DEPOSIT_EVENT_LENGTH = deposit_event_layout()


def calculate_calldata_floor_gas(transaction: SignedTransactionAPI) -> int:
    """Return the least gas a transaction with this calldata pays ([EIP-7623])."""
    tokens = calculate_calldata_tokens(transaction.data)
    return TRANSACTION_BASE_COST + TOTAL_COST_FLOOR_PER_TOKEN * tokens


def is_delegation(code: bytes) -> bool:
    """Tell whether code is a set-code delegation designation ([EIP-7702])."""
    return (
        len(code) == DELEGATED_CODE_SIZE
        and code[: len(DELEGATION_DESIGNATION_PREFIX)] == DELEGATION_DESIGNATION_PREFIX
    )


def read_word(data: bytes, start: int) -> int:
    """Read one 32-byte big-endian ABI word."""
    return int.from_bytes(data[start : start + ABI_WORD_SIZE], "big")


def extract_deposit_data(data: bytes) -> bytes:
    """
    Turn a deposit event's data into a deposit request ([EIP-6110]).

    The data must be the ABI encoding the deposit contract emits: 576 bytes,
    five head offsets, and each field with its exact length; anything else
    makes the block invalid.
    """
    if len(data) != DEPOSIT_EVENT_LENGTH:
        raise InvalidBlock(
            BlockException.INVALID_DEPOSIT_EVENT_LAYOUT, f"length {len(data)}"
        )
    request = b""
    for position, (offset, size) in enumerate(
        zip(DEPOSIT_FIELD_OFFSETS, DEPOSIT_FIELD_SIZES, strict=True)
    ):
        if read_word(data, ABI_WORD_SIZE * position) != offset:
            raise InvalidBlock(
                BlockException.INVALID_DEPOSIT_EVENT_LAYOUT, f"offset {position}"
            )
        if read_word(data, offset) != size:
            raise InvalidBlock(
                BlockException.INVALID_DEPOSIT_EVENT_LAYOUT, f"size {position}"
            )
        start = offset + ABI_WORD_SIZE
        request += data[start : start + size]
    return request


def parse_deposit_requests(
    receipts: Sequence[ReceiptAPI], deposit_contract_address: bytes
) -> bytes:
    """Collect deposit requests from the deposit contract's events, in order."""
    requests = b""
    for receipt in receipts:
        for log in receipt.logs:
            if log.address != deposit_contract_address or not log.topics:
                continue
            if log.topics[0].to_bytes(32, "big") == DEPOSIT_EVENT_SIGNATURE_HASH:
                requests += extract_deposit_data(log.data)
    return requests


def compute_requests_hash(requests: Sequence[bytes]) -> bytes:
    """Commit to the non-empty typed requests ([EIP-7685])."""
    outer = sha256()
    for request in requests:
        outer.update(sha256(request).digest())
    return outer.digest()


class PragueComputation(CancunComputation, PyEvmPragueComputation):
    """Prague computation with the fixed MODEXP."""

    _precompiles = with_fixed_modexp(PyEvmPragueComputation._precompiles)


class PragueTransactionExecutor(
    CancunTransactionExecutor, PyEvmPragueTransactionExecutor
):
    """Prague executor with named transaction refusals."""


class PragueState(CancunState, PyEvmPragueState):
    """Prague state: calldata floor validity, set-code rules, delegated senders."""

    computation_class = PragueComputation
    transaction_executor_class: type[TransactionExecutorAPI] = PragueTransactionExecutor
    blob_schedule: ClassVar[BlobSchedule] = PRAGUE_BLOB_SCHEDULE

    def validate_transaction_format(self, transaction: SignedTransactionAPI) -> None:
        """Also refuse a gas limit below the calldata floor."""
        super().validate_transaction_format(transaction)
        floor = calculate_calldata_floor_gas(transaction)
        if floor > transaction.gas:
            raise InvalidTransaction(
                TxError.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST,
                f"floor {floor} > {transaction.gas}",
            )

    def validate_transaction_type_rules(
        self, transaction: SignedTransactionAPI
    ) -> None:
        """Refuse set-code transactions that create or carry no authorization."""
        super().validate_transaction_type_rules(transaction)
        if transaction.type_id == SET_CODE_TRANSACTION_TYPE:
            tx: Any = transaction
            if tx.to == b"":
                raise InvalidTransaction(TxError.TYPE_4_TX_CONTRACT_CREATION)
            if not tx.authorization_list:
                raise InvalidTransaction(TxError.TYPE_4_EMPTY_AUTHORIZATION_LIST)

    def sender_code_is_allowed(self, code: bytes) -> bool:
        """Let a delegated account send transactions ([EIP-7702])."""
        return code == b"" or is_delegation(code)


class PragueVM(CancunVM, PyEvmPragueVM):
    """
    Prague VM: history system call, checked request system calls, deposits.

    ``deposit_contract_address`` is a class attribute; ``vm_class_for``
    derives a class with a chain configuration's address.
    """

    _state_class = PragueState
    blob_schedule: ClassVar[BlobSchedule] = PRAGUE_BLOB_SCHEDULE
    deposit_contract_address: ClassVar[bytes] = MAINNET_DEPOSIT_CONTRACT_ADDRESS
    header_commitments: ClassVar[HeaderCommitments] = CancunVM.header_commitments + (
        ("requests_hash", BlockException.INVALID_REQUESTS),
    )

    def block_preprocessing(self, block: BlockAPI) -> None:
        """Also store the parent hash through the history contract."""
        super().block_preprocessing(block)
        self.process_system_call(HISTORY_STORAGE_ADDRESS, block.header.parent_hash)

    def process_checked_system_call(self, target: Address) -> bytes:
        """Run a request system contract that must exist and must succeed."""
        if not self.state.get_code(target):
            raise InvalidBlock(
                BlockException.SYSTEM_CONTRACT_EMPTY, f"0x{bytes(target).hex()}"
            )
        computation = self.process_system_call(target, b"")
        if computation.is_error:
            raise InvalidBlock(
                BlockException.SYSTEM_CONTRACT_CALL_FAILED,
                f"0x{bytes(target).hex()}: {computation.error!r}",
            )
        return computation.output

    def collect_requests(self, block: BlockAPI) -> list[bytes]:
        """Gather the block's typed requests in ascending type order."""
        requests = []
        receipts = block.get_receipts(self.chaindb)
        deposits = parse_deposit_requests(receipts, self.deposit_contract_address)
        if deposits:
            requests.append(DEPOSIT_REQUEST_TYPE + deposits)
        for request_type, target in (
            (WITHDRAWAL_REQUEST_TYPE, WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS),
            (CONSOLIDATION_REQUEST_TYPE, CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS),
        ):
            output = self.process_checked_system_call(target)
            if output:
                requests.append(request_type + output)
        return requests

    def block_postprocessing(self, block: BlockAPI) -> BlockAPI:
        """Collect the requests and commit to them in the header."""
        requests = self.collect_requests(block)
        header = block.header.copy(requests_hash=compute_requests_hash(requests))
        processed = block.copy(header=header)
        processed.block_requests = requests
        return processed
