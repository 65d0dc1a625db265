"""Refusal reasons of the stateless guest.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Every refused block carries a named reason. The reason never changes the 43
output bytes; it is what the command line, the reports and the diff tool show.

Where the execution-spec-tests (EEST) vocabulary has a name for a refusal, the
guest uses it (``TransactionException.INTRINSIC_GAS_TOO_LOW``,
``BlockException.INVALID_STATE_ROOT``, ...), so that a reason can be compared
with a fixture's ``expectException``. Refusals that exist only because the
guest is stateless (a missing witness node, a broken ancestor chain, ...) form
the small ``StatelessException`` family.

There is one exception class per refusal class: ``InvalidBlock``,
``InvalidTransaction`` and ``InvalidWitness``-style stateless refusals all
derive from ``Refusal``; the guest catches ``Refusal`` (and, defensively,
anything else) and turns it into ``successful_validation = False``.
"""

from enum import Enum, auto
from typing import ClassVar


class Phase(Enum):
    """Name the step of the guest in which a refusal arose."""

    DECODE = "decode"
    REQUEST_ROOT = "request root"
    HEADERS = "headers"
    PRE_STATE = "pre-state"
    PAYLOAD = "payload"
    EXECUTION = "execution"
    POST_STATE = "post-state"
    COMMITMENTS = "commitments"


class TransactionException(Enum):
    """Name transaction refusals as EEST's ``TransactionException`` does."""

    TYPE_NOT_SUPPORTED = auto()
    RLP_INVALID_VALUE = auto()
    INVALID_SIGNATURE_VRS = auto()
    INVALID_CHAINID = auto()
    NONCE_MISMATCH_TOO_LOW = auto()
    NONCE_MISMATCH_TOO_HIGH = auto()
    NONCE_IS_MAX = auto()
    SENDER_NOT_EOA = auto()
    INSUFFICIENT_ACCOUNT_FUNDS = auto()
    INSUFFICIENT_MAX_FEE_PER_GAS = auto()
    PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS = auto()
    INTRINSIC_GAS_TOO_LOW = auto()
    INTRINSIC_GAS_BELOW_FLOOR_GAS_COST = auto()
    GAS_ALLOWANCE_EXCEEDED = auto()
    GAS_LIMIT_EXCEEDS_MAXIMUM = auto()
    INITCODE_SIZE_EXCEEDED = auto()
    TYPE_3_TX_ZERO_BLOBS = auto()
    TYPE_3_TX_BLOB_COUNT_EXCEEDED = auto()
    TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED = auto()
    TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH = auto()
    TYPE_3_TX_CONTRACT_CREATION = auto()
    INSUFFICIENT_MAX_FEE_PER_BLOB_GAS = auto()
    TYPE_4_EMPTY_AUTHORIZATION_LIST = auto()
    TYPE_4_TX_CONTRACT_CREATION = auto()


class BlockException(Enum):
    """Name block refusals as EEST's ``BlockException`` does."""

    RLP_STRUCTURES_ENCODING = auto()
    INCORRECT_BLOCK_FORMAT = auto()
    RLP_BLOCK_LIMIT_EXCEEDED = auto()
    INVALID_BLOCK_NUMBER = auto()
    INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT = auto()
    INVALID_GASLIMIT = auto()
    INVALID_BASEFEE_PER_GAS = auto()
    EXTRA_DATA_TOO_BIG = auto()
    UNKNOWN_PARENT = auto()
    INVALID_DIFFICULTY = auto()
    INVALID_NONCE = auto()
    INVALID_UNCLES_HASH = auto()
    GAS_USED_OVERFLOW = auto()
    INVALID_GAS_USED = auto()
    INVALID_STATE_ROOT = auto()
    INVALID_RECEIPTS_ROOT = auto()
    INVALID_LOG_BLOOM = auto()
    INVALID_TRANSACTIONS_ROOT = auto()
    INVALID_WITHDRAWALS_ROOT = auto()
    INCORRECT_BLOB_GAS_USED = auto()
    INCORRECT_EXCESS_BLOB_GAS = auto()
    BLOB_GAS_USED_ABOVE_LIMIT = auto()
    INVALID_REQUESTS = auto()
    INVALID_DEPOSIT_EVENT_LAYOUT = auto()
    SYSTEM_CONTRACT_EMPTY = auto()
    SYSTEM_CONTRACT_CALL_FAILED = auto()
    INVALID_BLOCK_ACCESS_LIST = auto()
    INVALID_BAL_HASH = auto()
    BLOCK_ACCESS_LIST_GAS_LIMIT_EXCEEDED = auto()
    INVALID_BLOCK_HASH = auto()


class StatelessException(Enum):
    """Name refusals that only a stateless validator can make."""

    INVALID_ANCESTOR_CHAIN = auto()
    MISSING_PARENT_HEADER = auto()
    MISSING_ANCESTOR_HEADER = auto()
    TOO_MANY_HEADERS = auto()
    INVALID_HEADER_ENCODING = auto()
    MISSING_WITNESS_NODE = auto()
    MISSING_CODE = auto()
    INVALID_WITNESS_NODE = auto()
    VERSIONED_HASHES_MISMATCH = auto()
    EMPTY_TRANSACTION = auto()
    BLOCK_HASH_MISMATCH = auto()
    INVALID_TRANSACTION_ENCODING = auto()
    FORK_NOT_ACTIVE = auto()
    EXECUTION_NOT_IMPLEMENTED = auto()
    INTERNAL_ERROR = auto()


RefusalName = TransactionException | BlockException | StatelessException


class Refusal(Exception):
    """Refuse the block: the base of every named validation failure."""

    exception: RefusalName
    default_phase: ClassVar[Phase] = Phase.EXECUTION

    def __init__(
        self, exception: RefusalName, detail: str = "", phase: Phase | None = None
    ) -> None:
        super().__init__(exception, detail)
        self.exception = exception
        self.detail = detail
        self.phase = phase or self.default_phase

    @property
    def reason(self) -> str:
        """Return the reason as EEST spells it, e.g. ``BlockException.X``."""
        return f"{type(self.exception).__name__}.{self.exception.name}"

    def __str__(self) -> str:
        """Show the reason and the detail on one line."""
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class InvalidBlock(Refusal):
    """Refuse the block for a rule of the block or its header."""

    exception: BlockException

    def __init__(
        self, exception: BlockException, detail: str = "", phase: Phase | None = None
    ) -> None:
        super().__init__(exception, detail, phase)


class InvalidTransaction(Refusal):
    """Refuse the block because one of its transactions is invalid."""

    exception: TransactionException

    def __init__(
        self,
        exception: TransactionException,
        detail: str = "",
        index: int | None = None,
        phase: Phase | None = None,
    ) -> None:
        if index is not None:
            detail = (
                f"transaction {index}: {detail}" if detail else f"transaction {index}"
            )
        super().__init__(exception, detail, phase)
        self.index = index


class StatelessRefusal(Refusal):
    """Refuse the block for a reason that only the stateless setting has."""

    exception: StatelessException

    def __init__(
        self,
        exception: StatelessException,
        detail: str = "",
        phase: Phase | None = None,
    ) -> None:
        super().__init__(exception, detail, phase)


class InvalidAncestors(StatelessRefusal):
    """Refuse the block because the witness headers do not form its chain."""

    default_phase = Phase.HEADERS


class MissingWitnessData(StatelessRefusal):
    """Refuse the block because the witness lacks a node or code it needs."""

    default_phase = Phase.PRE_STATE

    def __init__(
        self,
        exception: StatelessException,
        missing_hash: bytes,
        detail: str = "",
        phase: Phase | None = None,
    ) -> None:
        text = f"0x{missing_hash.hex()}" + (f" ({detail})" if detail else "")
        super().__init__(exception, text, phase)
        self.missing_hash = missing_hash


class InvalidPayload(StatelessRefusal):
    """Refuse the request because its payload does not match its commitments."""

    default_phase = Phase.PAYLOAD


class InternalError(StatelessRefusal):
    """Refuse the block because validation hit an unexpected error."""

    def __init__(self, error: BaseException, phase: Phase | None = None) -> None:
        super().__init__(
            StatelessException.INTERNAL_ERROR,
            f"{type(error).__name__}: {error}",
            phase,
        )
        self.error = error


class UndecodableInput(Exception):
    """Reject input bytes that are not a stateless input of a known schema."""
