"""
Amsterdam transactions: validity, admission, execution and settlement.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A transaction is checked and run in the order of the execution-specs
``process_transaction``: chain id, sender recovery, static validity with the
intrinsic gas of [EIP-2780], [EIP-7976] and [EIP-7981], the per-dimension
block capacity of [EIP-8037], admission against the sender's account, the
up-front debit, the top frame (with the runtime charges of [EIP-2780] and
[EIP-7702] made while the frame is prepared), the two-dimensional
settlement of [EIP-8037] with the pre-refund block gas of [EIP-7778], the
fee credits, and the self-destruct finalisation of [EIP-8246].

``process_top_level`` is also what system calls run, with their own
environment.

[EIP-2780]: https://eips.ethereum.org/EIPS/eip-2780
[EIP-7702]: https://eips.ethereum.org/EIPS/eip-7702
[EIP-7778]: https://eips.ethereum.org/EIPS/eip-7778
[EIP-7976]: https://eips.ethereum.org/EIPS/eip-7976
[EIP-7981]: https://eips.ethereum.org/EIPS/eip-7981
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8246]: https://eips.ethereum.org/EIPS/eip-8246
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import rlp
from eth._utils.address import generate_contract_address
from eth.abc import ComputationAPI, ReceiptAPI, SignedTransactionAPI, StateAPI
from eth.constants import CREATE_CONTRACT_ADDRESS, UINT_64_MAX, ZERO_ADDRESS
from eth.exceptions import ContractCreationCollision, OutOfGas, VMError
from eth_keys import keys
from eth_typing import Address, Hash32
from eth_utils import keccak

from ...errors import InvalidTransaction, TransactionException
from .computation import AmsterdamComputation, AmsterdamTransactionContext
from .gas import (
    ACCESS_LIST_ADDRESS_FLOOR_TOKENS,
    ACCESS_LIST_STORAGE_KEY_FLOOR_TOKENS,
    ACCOUNT_WRITE,
    AUTH_BASE_STATE_GAS,
    COLD_ACCOUNT_ACCESS,
    CREATE_ACCESS,
    EXECUTION_PER_AUTH_BASE_COST,
    FLOOR_TOKENS_PER_BYTE,
    GAS_PER_BLOB,
    MAX_BLOB_GAS_PER_BLOCK,
    MAX_BLOBS_PER_TRANSACTION,
    MAX_INIT_CODE_SIZE,
    MAX_REFUND_QUOTIENT,
    NEW_ACCOUNT_STATE_GAS,
    NONZERO_BYTE_TOKENS,
    SYSTEM_CALL_EXECUTION_GAS,
    SYSTEM_CALL_STATE_GAS_RESERVOIR,
    TX_ACCESS_LIST_ADDRESS,
    TX_ACCESS_LIST_STORAGE_KEY,
    TX_BASE,
    TX_DATA_TOKEN_FLOOR,
    TX_DATA_TOKEN_STANDARD,
    TX_MAX_GAS_LIMIT,
    TX_MAX_TOTAL_GAS_LIMIT,
    TX_VALUE_COST,
    access_cost,
    init_code_cost,
)
from .gas_meter import StateGasMeter
from .instructions import (
    SYSTEM_ADDRESS,
    AmsterdamMessage,
    delegation_target,
    has_code_or_nonce,
    is_account_alive,
)

ACCESS_LIST_TRANSACTION_TYPE = 1
FEE_MARKET_TRANSACTION_TYPE = 2
BLOB_TRANSACTION_TYPE = 3
SET_CODE_TRANSACTION_TYPE = 4
FEE_MARKET_TYPES = (
    FEE_MARKET_TRANSACTION_TYPE,
    BLOB_TRANSACTION_TYPE,
    SET_CODE_TRANSACTION_TYPE,
)
SECP256K1N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
LEGACY_V_BASE = 27
EIP155_V_OFFSET = 35
VERSIONED_HASH_VERSION_KZG = 0x01
SET_CODE_AUTHORIZATION_MAGIC = b"\x05"
DELEGATION_INDICATOR_PREFIX = b"\xef\x01\x00"
RECEIPT_STATUS_SUCCESS = b"\x01"
RECEIPT_STATUS_FAILURE = b""


# -- environments and outputs -- #
@dataclass
class IntrinsicGas:
    """The up-front gas of a transaction and its calldata floor."""

    execution: int
    calldata_floor: int


@dataclass
class BlockGasCounters:
    """What the block has used so far, per dimension [EIP-8037]."""

    gas_limit: int
    execution_gas_used: int = 0
    state_gas_used: int = 0
    blob_gas_used: int = 0
    cumulative_gas_used: int = 0

    @property
    def header_gas_used(self) -> int:
        """Return the header's ``gas_used``: the larger dimension."""
        return max(self.execution_gas_used, self.state_gas_used)


@dataclass
class TransactionEnvironment:
    """Everything the top frame of a transaction (or system call) needs."""

    origin: Address
    recipient: Address
    is_create: bool
    data: bytes
    value: int
    gas_limit: int
    effective_gas_price: int
    execution_gas_grant: int
    state_gas_reservoir: int
    calldata_floor: int
    access_list_addresses: set[Address] = field(default_factory=set)
    access_list_storage_keys: set[tuple[Address, int]] = field(default_factory=set)
    accounts_with_paid_writes: set[Address] = field(default_factory=set)
    blob_versioned_hashes: Sequence[Hash32] = ()
    authorizations: Sequence[Any] = ()


@dataclass
class TopLevelOutput:
    """What a top frame leaves for settlement."""

    gas_left: int
    state_gas_left: int
    refund_counter: int
    state_gas_used: int
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...]
    accounts_to_delete: tuple[Address, ...]
    error: VMError | None
    return_data: bytes


@dataclass
class TransactionGasSettlement:
    """The gas a transaction pays and the gas each block dimension counts."""

    gas_used: int
    gas_left: int
    execution_gas_used: int
    state_gas_used: int


@dataclass
class TransactionOutput:
    """The result of one block transaction, for the receipt and the block."""

    succeeded: bool
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...]
    gas_used: int
    cumulative_gas_used: int
    execution_gas_used: int
    state_gas_used: int
    blob_gas_used: int
    receipt: ReceiptAPI


def refuse(exception: TransactionException, detail: str = "") -> InvalidTransaction:
    """Build the refusal of the current transaction."""
    return InvalidTransaction(exception, detail)


# -- transaction fields -- #
def transaction_type(tx: SignedTransactionAPI) -> int:
    """Return the EIP-2718 type of ``tx`` (0 for legacy)."""
    type_id = getattr(tx, "type_id", None)
    return 0 if type_id is None else type_id


def is_create(tx: SignedTransactionAPI) -> bool:
    """Tell whether ``tx`` creates a contract."""
    return tx.to == CREATE_CONTRACT_ADDRESS


def access_list_of(tx: SignedTransactionAPI) -> Sequence[tuple[Address, Sequence[int]]]:
    """Return the access list of ``tx`` (empty for legacy)."""
    if transaction_type(tx) == 0:
        return ()
    return tx.access_list


def authorizations_of(tx: SignedTransactionAPI) -> Sequence[Any]:
    """Return the authorization list of ``tx`` (empty unless type 4)."""
    if transaction_type(tx) != SET_CODE_TRANSACTION_TYPE:
        return ()
    return tx.authorization_list


def blob_hashes_of(tx: SignedTransactionAPI) -> Sequence[Hash32]:
    """Return the blob versioned hashes of ``tx`` (empty unless type 3)."""
    if transaction_type(tx) != BLOB_TRANSACTION_TYPE:
        return ()
    return tx.blob_versioned_hashes


def blob_gas_of(tx: SignedTransactionAPI) -> int:
    """Return the blob gas ``tx`` consumes."""
    return GAS_PER_BLOB * len(blob_hashes_of(tx))


def max_fee_per_gas_of(tx: SignedTransactionAPI) -> int:
    """Return the most ``tx`` pays per gas."""
    if transaction_type(tx) in FEE_MARKET_TYPES:
        return tx.max_fee_per_gas
    return tx.gas_price


def legacy_v(tx: SignedTransactionAPI) -> int:
    """Return the ``v`` of a legacy transaction's signature."""
    return cast(Any, tx).v


def base_fee_of(state: StateAPI) -> int:
    """Return the block's base fee per gas [EIP-1559]."""
    return cast(int, state.execution_context.base_fee_per_gas)


def chain_id_of(tx: SignedTransactionAPI) -> int | None:
    """Return the chain id ``tx`` is bound to (None for pre-EIP-155 legacy)."""
    if transaction_type(tx) != 0:
        return tx.chain_id
    v = legacy_v(tx)
    if v < EIP155_V_OFFSET:
        return None
    return (v - EIP155_V_OFFSET) // 2


# -- intrinsic gas and static validity -- #
def calldata_tokens(data: bytes) -> int:
    """Count calldata tokens: one per zero byte, four per other byte."""
    zeros = data.count(0)
    return zeros + NONZERO_BYTE_TOKENS * (len(data) - zeros)


def recipient_cost(tx: SignedTransactionAPI, sender: Address) -> int:
    """Price the recipient's access and write [EIP-2780]."""
    if is_create(tx):
        return CREATE_ACCESS
    if tx.to == sender:
        return 0
    return COLD_ACCOUNT_ACCESS + (TX_VALUE_COST if tx.value else 0)


def calculate_intrinsic_gas(tx: SignedTransactionAPI, sender: Address) -> IntrinsicGas:
    """Return the intrinsic execution gas and the calldata floor of ``tx``."""
    base = TX_BASE + recipient_cost(tx, sender)
    access_list = access_list_of(tx)
    addresses = len(access_list)
    keys_count = sum(len(slots) for _, slots in access_list)
    access_list_cost = (
        TX_ACCESS_LIST_ADDRESS * addresses + TX_ACCESS_LIST_STORAGE_KEY * keys_count
    )
    access_list_data = TX_DATA_TOKEN_FLOOR * (
        ACCESS_LIST_ADDRESS_FLOOR_TOKENS * addresses
        + ACCESS_LIST_STORAGE_KEY_FLOOR_TOKENS * keys_count
    )
    creation = init_code_cost(len(tx.data)) if is_create(tx) else 0
    execution = (
        base
        + creation
        + TX_DATA_TOKEN_STANDARD * calldata_tokens(tx.data)
        + access_list_cost
        + access_list_data
        + EXECUTION_PER_AUTH_BASE_COST * len(authorizations_of(tx))
    )
    floor = (
        base
        + TX_DATA_TOKEN_FLOOR * FLOOR_TOKENS_PER_BYTE * len(tx.data)
        + access_list_data
    )
    return IntrinsicGas(execution, floor)


def validate_transaction(tx: SignedTransactionAPI, sender: Address) -> IntrinsicGas:
    """Check what ``tx`` alone must satisfy; return its intrinsic gas."""
    type_id = transaction_type(tx)
    if tx.nonce >= UINT_64_MAX:
        raise refuse(TransactionException.NONCE_IS_MAX)
    if is_create(tx) and len(tx.data) > MAX_INIT_CODE_SIZE:
        raise refuse(TransactionException.INITCODE_SIZE_EXCEEDED)
    if tx.gas > TX_MAX_TOTAL_GAS_LIMIT:
        raise refuse(TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM)
    if type_id in FEE_MARKET_TYPES and tx.max_fee_per_gas < tx.max_priority_fee_per_gas:
        raise refuse(TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS)
    if type_id == BLOB_TRANSACTION_TYPE:
        validate_blob_hashes(tx.blob_versioned_hashes)
        if is_create(tx):
            raise refuse(TransactionException.TYPE_3_TX_CONTRACT_CREATION)
    if type_id == SET_CODE_TRANSACTION_TYPE:
        if is_create(tx):
            raise refuse(TransactionException.TYPE_4_TX_CONTRACT_CREATION)
        if len(tx.authorization_list) == 0:
            raise refuse(TransactionException.TYPE_4_EMPTY_AUTHORIZATION_LIST)
    intrinsic = calculate_intrinsic_gas(tx, sender)
    if intrinsic.execution > tx.gas:
        raise refuse(TransactionException.INTRINSIC_GAS_TOO_LOW)
    if intrinsic.calldata_floor > tx.gas:
        raise refuse(TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST)
    if max(intrinsic.execution, intrinsic.calldata_floor) > TX_MAX_GAS_LIMIT:
        raise refuse(TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM)
    return intrinsic


def validate_blob_hashes(blob_hashes: Sequence[Hash32]) -> None:
    """Check a blob transaction's count and hash versions [EIP-4844]."""
    if len(blob_hashes) == 0:
        raise refuse(TransactionException.TYPE_3_TX_ZERO_BLOBS)
    if len(blob_hashes) > MAX_BLOBS_PER_TRANSACTION:
        raise refuse(TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED)
    for blob_hash in blob_hashes:
        if blob_hash[0] != VERSIONED_HASH_VERSION_KZG:
            raise refuse(TransactionException.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH)


# -- signatures -- #
def check_signature_values(y_parity: int, r: int, s: int) -> bool:
    """Tell whether a signature's values are in range [EIP-2]."""
    return y_parity in (0, 1) and 0 < r < SECP256K1N and 0 < s <= SECP256K1N // 2


def signature_parity(tx: SignedTransactionAPI, chain_id: int) -> int | None:
    """Return the y parity ``tx`` signs with, or None if its ``v`` is invalid."""
    if transaction_type(tx) != 0:
        return tx.y_parity
    v = legacy_v(tx)
    if v in (LEGACY_V_BASE, LEGACY_V_BASE + 1):
        return v - LEGACY_V_BASE
    if v in (EIP155_V_OFFSET + 2 * chain_id, EIP155_V_OFFSET + 2 * chain_id + 1):
        return v - EIP155_V_OFFSET - 2 * chain_id
    return None


def recover_sender(tx: SignedTransactionAPI, chain_id: int) -> Address:
    """Recover the signer of ``tx``, refusing an invalid signature."""
    y_parity = signature_parity(tx, chain_id)
    if y_parity is None or not check_signature_values(y_parity, tx.r, tx.s):
        raise refuse(TransactionException.INVALID_SIGNATURE_VRS)
    signature = keys.Signature(vrs=(y_parity, tx.r, tx.s))
    try:
        public_key = signature.recover_public_key_from_msg(tx.get_message_for_signing())
    except Exception as error:  # any recovery failure is an invalid signature
        raise refuse(TransactionException.INVALID_SIGNATURE_VRS, str(error)) from error
    return Address(public_key.to_canonical_address())


# -- admission -- #
def check_block_gas_capacity(
    block_gas: BlockGasCounters, tx_gas: int, blob_gas: int
) -> None:
    """Admit ``tx_gas`` into each block dimension [EIP-8037]."""
    if (
        min(TX_MAX_GAS_LIMIT, tx_gas)
        > block_gas.gas_limit - block_gas.execution_gas_used
    ):
        raise refuse(TransactionException.GAS_ALLOWANCE_EXCEEDED, "execution gas")
    if tx_gas > block_gas.gas_limit - block_gas.state_gas_used:
        raise refuse(TransactionException.GAS_ALLOWANCE_EXCEEDED, "state gas")
    if blob_gas > MAX_BLOB_GAS_PER_BLOCK - block_gas.blob_gas_used:
        raise refuse(TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED)


def calculate_effective_gas_price(tx: SignedTransactionAPI, base_fee: int) -> int:
    """Return the price per gas ``tx`` pays under ``base_fee`` [EIP-1559]."""
    if transaction_type(tx) in FEE_MARKET_TYPES:
        if tx.max_fee_per_gas < base_fee:
            raise refuse(TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS)
        priority = min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)
        return base_fee + priority
    if tx.gas_price < base_fee:
        raise refuse(TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS)
    return tx.gas_price


def check_nonce(tx_nonce: int, account_nonce: int) -> None:
    """Refuse a nonce that is not the sender's next one."""
    if tx_nonce < account_nonce:
        raise refuse(TransactionException.NONCE_MISMATCH_TOO_LOW)
    if tx_nonce > account_nonce:
        raise refuse(TransactionException.NONCE_MISMATCH_TOO_HIGH)


def allocate_evm_gas(gas_limit: int, intrinsic_execution: int) -> tuple[int, int]:
    """Split the gas after intrinsic into an execution grant and a reservoir."""
    evm_gas = gas_limit - intrinsic_execution
    execution_grant = min(TX_MAX_GAS_LIMIT - intrinsic_execution, evm_gas)
    return execution_grant, evm_gas - execution_grant


def check_transaction(
    state: StateAPI,
    block_gas: BlockGasCounters,
    tx: SignedTransactionAPI,
) -> TransactionEnvironment:
    """Admit ``tx`` into the block and build its environment."""
    context = state.execution_context
    sender = recover_sender(tx, context.chain_id)
    intrinsic = validate_transaction(tx, sender)
    check_block_gas_capacity(block_gas, tx.gas, blob_gas_of(tx))

    sender_nonce = state.get_nonce(sender)
    sender_balance = state.get_balance(sender)
    effective_gas_price = calculate_effective_gas_price(tx, base_fee_of(state))
    max_gas_fee = tx.gas * max_fee_per_gas_of(tx)
    if transaction_type(tx) == BLOB_TRANSACTION_TYPE:
        if tx.max_fee_per_blob_gas < state.blob_base_fee:
            raise refuse(TransactionException.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS)
        max_gas_fee += blob_gas_of(tx) * tx.max_fee_per_blob_gas
    check_nonce(tx.nonce, sender_nonce)
    if sender_balance < max_gas_fee + tx.value:
        raise refuse(TransactionException.INSUFFICIENT_ACCOUNT_FUNDS)
    sender_code = state.get_code(sender)
    if sender_code and delegation_target(sender_code) is None:
        raise refuse(TransactionException.SENDER_NOT_EOA)

    execution_grant, reservoir = allocate_evm_gas(tx.gas, intrinsic.execution)
    access_list = access_list_of(tx)
    recipient = (
        generate_contract_address(sender, sender_nonce) if is_create(tx) else tx.to
    )
    paid_writes = {sender}
    if is_create(tx) or tx.value > 0:
        paid_writes.add(recipient)
    return TransactionEnvironment(
        origin=sender,
        recipient=recipient,
        is_create=is_create(tx),
        data=tx.data,
        value=tx.value,
        gas_limit=tx.gas,
        effective_gas_price=effective_gas_price,
        execution_gas_grant=execution_grant,
        state_gas_reservoir=reservoir,
        calldata_floor=intrinsic.calldata_floor,
        access_list_addresses={address for address, _ in access_list},
        access_list_storage_keys={
            (address, slot) for address, slots in access_list for slot in slots
        },
        accounts_with_paid_writes=paid_writes,
        blob_versioned_hashes=blob_hashes_of(tx),
        authorizations=authorizations_of(tx),
    )


def update_sender_state(
    state: StateAPI, tx_env: TransactionEnvironment, tx: SignedTransactionAPI
) -> None:
    """Bump the sender's nonce and debit the most its gas can cost."""
    blob_fee = blob_gas_of(tx) * state.blob_base_fee if blob_gas_of(tx) else 0
    state.increment_nonce(tx_env.origin)
    state.delta_balance(
        tx_env.origin, -(tx_env.gas_limit * tx_env.effective_gas_price + blob_fee)
    )


# -- authorizations [EIP-7702] -- #
def recover_authority(authorization: Any, chain_id: int) -> Address | None:
    """Return the signer of a valid authorization, or None to skip it."""
    if authorization.chain_id not in (chain_id, 0):
        return None
    if authorization.nonce >= UINT_64_MAX:
        return None
    if not check_signature_values(
        authorization.y_parity, authorization.r, authorization.s
    ):
        return None
    message = SET_CODE_AUTHORIZATION_MAGIC + rlp.encode(
        [authorization.chain_id, authorization.address, authorization.nonce]
    )
    signature = keys.Signature(
        vrs=(authorization.y_parity, authorization.r, authorization.s)
    )
    try:
        public_key = signature.recover_public_key_from_msg_hash(keccak(message))
    except Exception:  # an unrecoverable authorization is skipped
        return None
    return Address(public_key.to_canonical_address())


@dataclass
class AuthorizationCharges:
    """What a transaction's authorizations have already paid for."""

    paid_writes: set[Address]
    initial_codes: dict[Address, bytes] = field(default_factory=dict)
    paid_indicators: set[Address] = field(default_factory=set)


def set_delegations(
    state: StateAPI, meter: StateGasMeter, tx_env: TransactionEnvironment
) -> None:
    """Apply the valid authorizations in order, charging their state growth."""
    chain_id = state.execution_context.chain_id
    charges = AuthorizationCharges(paid_writes=tx_env.accounts_with_paid_writes)
    for authorization in tx_env.authorizations:
        authority = recover_authority(authorization, chain_id)
        if authority is None:
            continue
        state.mark_address_warm(authority)
        code = state.get_code(authority)
        if code and delegation_target(code) is None:
            continue
        if state.get_nonce(authority) != authorization.nonce:
            continue
        charges.initial_codes.setdefault(authority, code)
        charge_authorization(state, meter, charges, authority, authorization.address)
        if authorization.address == ZERO_ADDRESS:
            state.set_code(authority, b"")
        else:
            state.set_code(
                authority, DELEGATION_INDICATOR_PREFIX + authorization.address
            )
        state.increment_nonce(authority)


def charge_authorization(
    state: StateAPI,
    meter: StateGasMeter,
    charges: AuthorizationCharges,
    authority: Address,
    target: Address,
) -> None:
    """Charge the account, write and indicator costs of one authorization."""
    if not state.account_exists(authority):
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="authority account")
    if authority not in charges.paid_writes:
        meter.consume_gas(ACCOUNT_WRITE, reason="authority write")
        charges.paid_writes.add(authority)
    had_indicator = delegation_target(charges.initial_codes[authority]) is not None
    if (
        target != ZERO_ADDRESS
        and not had_indicator
        and authority not in charges.paid_indicators
    ):
        meter.consume_state_gas(AUTH_BASE_STATE_GAS, reason="delegation indicator")
        charges.paid_indicators.add(authority)


# -- the top frame -- #
def warm_transaction_accounts(state: StateAPI, tx_env: TransactionEnvironment) -> None:
    """Warm what every transaction may touch for free [EIP-2929] [EIP-3651]."""
    addresses = [
        state.execution_context.coinbase,
        *AmsterdamComputation.get_precompiles(),
        tx_env.origin,
        *sorted(tx_env.access_list_addresses),
        tx_env.recipient,
    ]
    for address in addresses:
        state.mark_address_warm(address)
    for address, slot in sorted(tx_env.access_list_storage_keys):
        state.mark_storage_warm(address, slot)


def prepare_top_frame(
    state: StateAPI, meter: StateGasMeter, tx_env: TransactionEnvironment
) -> AmsterdamMessage:
    """Make the charges that precede the top frame and build its message."""
    if tx_env.authorizations:
        set_delegations(state, meter, tx_env)
        meter.commit_state_gas()
    warm_transaction_accounts(state, tx_env)
    if tx_env.is_create:
        return prepare_creation(state, meter, tx_env)
    return prepare_call(state, meter, tx_env)


def prepare_creation(
    state: StateAPI, meter: StateGasMeter, tx_env: TransactionEnvironment
) -> AmsterdamMessage:
    """Refuse a collision and charge the new account of a creation."""
    target = tx_env.recipient
    if has_code_or_nonce(state, target):
        raise ContractCreationCollision(f"Address collision at 0x{target.hex()}")
    if not is_account_alive(state, target):
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="created account")
    return top_message(tx_env, meter, code=tx_env.data, data=b"", create_address=target)


def prepare_call(
    state: StateAPI, meter: StateGasMeter, tx_env: TransactionEnvironment
) -> AmsterdamMessage:
    """Charge a value transfer's new account and resolve a delegation."""
    recipient = tx_env.recipient
    if tx_env.value > 0 and not is_account_alive(state, recipient):
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="new recipient")
    code = state.get_code(recipient)
    delegate = delegation_target(code)
    if delegate is not None:
        was_cold = not state.is_address_warm(delegate)
        meter.consume_gas(access_cost(was_cold), reason="delegation access")
        state.mark_address_warm(delegate)
        code = state.get_code(delegate)
    return top_message(
        tx_env,
        meter,
        code=code,
        data=tx_env.data,
        to=recipient,
        code_address=delegate or recipient,
        is_delegation=delegate is not None,
    )


def top_message(
    tx_env: TransactionEnvironment, meter: StateGasMeter, **fields: Any
) -> AmsterdamMessage:
    """Build the depth-0 message of the transaction."""
    fields.setdefault("to", CREATE_CONTRACT_ADDRESS)
    return AmsterdamMessage(
        gas=meter.gas_remaining,
        state_gas_reservoir=meter.state_gas_left,
        sender=tx_env.origin,
        value=tx_env.value,
        depth=0,
        **fields,
    )


def process_top_level(
    state: StateAPI, tx_env: TransactionEnvironment
) -> TopLevelOutput:
    """Prepare and run the top frame of a transaction or system call."""
    state.clear_transient_storage()
    meter = StateGasMeter(tx_env.execution_gas_grant, tx_env.state_gas_reservoir)
    context = AmsterdamTransactionContext(
        gas_price=tx_env.effective_gas_price,
        origin=tx_env.origin,
        blob_versioned_hashes=tx_env.blob_versioned_hashes,
    )
    snapshot = state.snapshot()
    try:
        message = prepare_top_frame(state, meter, tx_env)
    except (OutOfGas, ContractCreationCollision) as error:
        state.revert(snapshot)
        meter.restore_to_entry(tx_env.state_gas_reservoir)
        meter.forfeit_gas()
        return TopLevelOutput(
            gas_left=0,
            state_gas_left=meter.state_gas_left,
            refund_counter=0,
            state_gas_used=meter.state_gas_used(tx_env.state_gas_reservoir),
            logs=(),
            accounts_to_delete=(),
            error=error,
            return_data=b"",
        )
    state.commit(snapshot)
    computation = run_top_frame(state, message, context, meter)
    return TopLevelOutput(
        gas_left=meter.gas_remaining,
        state_gas_left=meter.state_gas_left,
        refund_counter=meter.gas_refunded,
        state_gas_used=meter.state_gas_used(tx_env.state_gas_reservoir),
        logs=computation.get_log_entries(),
        accounts_to_delete=tuple(computation.get_accounts_for_deletion()),
        error=computation.error if computation.is_error else None,
        return_data=computation.output,
    )


def run_top_frame(
    state: StateAPI,
    message: AmsterdamMessage,
    context: AmsterdamTransactionContext,
    meter: StateGasMeter,
) -> ComputationAPI:
    """Run the depth-0 frame on the prepared meter."""
    if message.is_create:
        return AmsterdamComputation.apply_create_message(
            state, message, context, gas_meter=meter
        )
    return AmsterdamComputation.apply_message(state, message, context, gas_meter=meter)


def system_call_environment(
    target: Address, data: bytes, base_fee: int
) -> TransactionEnvironment:
    """Build the environment of a system call [EIP-4788] [EIP-8037]."""
    return TransactionEnvironment(
        origin=SYSTEM_ADDRESS,
        recipient=target,
        is_create=False,
        data=data,
        value=0,
        gas_limit=SYSTEM_CALL_EXECUTION_GAS,
        effective_gas_price=base_fee,
        execution_gas_grant=SYSTEM_CALL_EXECUTION_GAS,
        state_gas_reservoir=SYSTEM_CALL_STATE_GAS_RESERVOIR,
        calldata_floor=0,
    )


# -- settlement -- #
def settle_transaction_gas(
    tx_env: TransactionEnvironment, output: TopLevelOutput
) -> TransactionGasSettlement:
    """Settle what the sender pays and what each block dimension counts."""
    consumed = tx_env.gas_limit - output.gas_left - output.state_gas_left
    refund = max(0, min(consumed // MAX_REFUND_QUOTIENT, output.refund_counter))
    gas_used = max(consumed - refund, tx_env.calldata_floor)
    state_gas_used = max(0, output.state_gas_used)
    execution_gas_used = max(consumed - state_gas_used, tx_env.calldata_floor)
    return TransactionGasSettlement(
        gas_used=gas_used,
        gas_left=tx_env.gas_limit - gas_used,
        execution_gas_used=execution_gas_used,
        state_gas_used=state_gas_used,
    )


def create_ether(state: StateAPI, address: Address, amount: int) -> None:
    """Credit ``amount`` wei; even a zero credit is a write that may delete."""
    state.delta_balance(address, amount)


def disburse_gas_fees(
    state: StateAPI,
    tx_env: TransactionEnvironment,
    settlement: TransactionGasSettlement,
) -> None:
    """Refund the unspent gas and pay the coinbase its priority fee."""
    context = state.execution_context
    priority_fee = tx_env.effective_gas_price - base_fee_of(state)
    create_ether(state, tx_env.origin, settlement.gas_left * tx_env.effective_gas_price)
    create_ether(state, context.coinbase, settlement.gas_used * priority_fee)


def clear_account_preserving_balance(state: StateAPI, address: Address) -> None:
    """Finalise a self-destructed account: keep only its balance [EIP-8246]."""
    balance = state.get_balance(address)
    state.delete_account(address)
    if balance:
        state.set_balance(address, balance)


# -- the whole transaction -- #
def check_chain_id(tx: SignedTransactionAPI, chain_id: int) -> None:
    """Refuse a transaction signed for another chain [EIP-155]."""
    tx_chain_id = chain_id_of(tx)
    if tx_chain_id is not None and tx_chain_id != chain_id:
        raise refuse(TransactionException.INVALID_CHAINID)


def process_transaction(
    state: StateAPI,
    tx: SignedTransactionAPI,
    block_gas: BlockGasCounters,
    index: int,
) -> TransactionOutput:
    """Admit, run and settle one block transaction."""
    try:
        check_chain_id(tx, state.execution_context.chain_id)
        tx_env = check_transaction(state, block_gas, tx)
    except InvalidTransaction as refusal:
        raise InvalidTransaction(refusal.exception, refusal.detail, index) from refusal
    update_sender_state(state, tx_env, tx)
    output = process_top_level(state, tx_env)
    settlement = settle_transaction_gas(tx_env, output)
    disburse_gas_fees(state, tx_env, settlement)

    block_gas.execution_gas_used += settlement.execution_gas_used
    block_gas.state_gas_used += settlement.state_gas_used
    block_gas.blob_gas_used += blob_gas_of(tx)
    block_gas.cumulative_gas_used += settlement.gas_used

    for address in output.accounts_to_delete:
        clear_account_preserving_balance(state, address)
    succeeded = output.error is None
    receipt = tx.make_receipt(
        RECEIPT_STATUS_SUCCESS if succeeded else RECEIPT_STATUS_FAILURE,
        block_gas.cumulative_gas_used,
        output.logs,
    )
    return TransactionOutput(
        succeeded=succeeded,
        logs=output.logs,
        gas_used=settlement.gas_used,
        cumulative_gas_used=block_gas.cumulative_gas_used,
        execution_gas_used=settlement.execution_gas_used,
        state_gas_used=settlement.state_gas_used,
        blob_gas_used=blob_gas_of(tx),
        receipt=receipt,
    )
