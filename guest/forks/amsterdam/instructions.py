"""
Amsterdam instructions.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The opcodes that Amsterdam adds or reprices. Each state-touching opcode
checks that its state-independent cost is affordable *before* it reads the
state (so that an out-of-gas access never reaches the block-level access
list [EIP-7928]), then reads, then charges: "gas before access" of
[EIP-8038]. State growth is charged as state gas [EIP-8037]; transfers of
ether log [EIP-7708]; ``SELFDESTRUCT`` no longer burns [EIP-8246].
``SLOTNUM`` [EIP-7843] and ``DUPN``/``SWAPN``/``EXCHANGE`` [EIP-8024] are new.

[EIP-7708]: https://eips.ethereum.org/EIPS/eip-7708
[EIP-7843]: https://eips.ethereum.org/EIPS/eip-7843
[EIP-7928]: https://eips.ethereum.org/EIPS/eip-7928
[EIP-8024]: https://eips.ethereum.org/EIPS/eip-8024
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8038]: https://eips.ethereum.org/EIPS/eip-8038
[EIP-8246]: https://eips.ethereum.org/EIPS/eip-8246
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eth._utils.address import (
    force_bytes_to_address,
    generate_contract_address,
    generate_safe_contract_address,
)
from eth._utils.state import code_is_delegation_designation
from eth.abc import ComputationAPI, StateAPI
from eth.constants import (
    CREATE_CONTRACT_ADDRESS,
    EMPTY_SHA3,
    STACK_DEPTH_LIMIT,
    UINT_64_MAX,
)
from eth.exceptions import (
    Halt,
    InsufficientStack,
    InvalidInstruction,
    OutOfGas,
    WriteProtection,
)
from eth.vm.message import Message
from eth_typing import Address
from eth_utils import keccak

from .gas import (
    CALL_STIPEND,
    CALL_VALUE,
    COLD_STORAGE_ACCESS,
    COPY_WORD,
    CREATE_ACCESS,
    KECCAK_WORD,
    MAX_INIT_CODE_SIZE,
    NEW_ACCOUNT_STATE_GAS,
    REFUND_STORAGE_CLEAR,
    SELFDESTRUCT_BASE,
    SELFDESTRUCT_NEW_ACCOUNT,
    SSTORE_SENTRY,
    STORAGE_SET_STATE_GAS,
    STORAGE_WRITE,
    WARM_ACCESS,
    access_cost,
    init_code_cost,
    max_message_call_gas,
    words,
)

if TYPE_CHECKING:
    from .computation import AmsterdamComputation

SYSTEM_ADDRESS = Address(b"\xff" * 19 + b"\xfe")
TRANSFER_TOPIC = int.from_bytes(keccak(b"Transfer(address,address,uint256)"), "big")
DELEGATION_ADDRESS_OFFSET = 3


class AmsterdamMessage(Message):
    """A message that also hands its frame a state-gas reservoir."""

    __slots__ = ["state_gas_reservoir"]

    def __init__(self, *, state_gas_reservoir: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state_gas_reservoir = state_gas_reservoir


def emit_transfer_log(
    computation: ComputationAPI, sender: Address, recipient: Address, amount: int
) -> None:
    """Log a move of ether between two accounts as a LOG3 [EIP-7708]."""
    if amount == 0 or sender == recipient:
        return
    computation.add_log_entry(
        SYSTEM_ADDRESS,
        (
            TRANSFER_TOPIC,
            int.from_bytes(sender, "big"),
            int.from_bytes(recipient, "big"),
        ),
        amount.to_bytes(32, "big"),
    )


def move_ether(
    state: StateAPI, sender: Address, recipient: Address, amount: int
) -> None:
    """Move ``amount`` wei; the caller has checked the sender's balance."""
    state.delta_balance(sender, -amount)
    state.delta_balance(recipient, amount)


def is_account_alive(state: StateAPI, address: Address) -> bool:
    """Tell whether the account exists and is not empty [EIP-161]."""
    return not state.account_is_empty(address)


def has_code_or_nonce(state: StateAPI, address: Address) -> bool:
    """Tell whether a creation at ``address`` collides [EIP-684].

    Only the code hash is read: the code itself need not be in the witness.
    """
    return state.get_nonce(address) != 0 or state.get_code_hash(address) != EMPTY_SHA3


def delegation_target(code: bytes) -> Address | None:
    """Return the address a delegation indicator points to [EIP-7702]."""
    if code_is_delegation_designation(code):
        return Address(code[DELEGATION_ADDRESS_OFFSET:])
    return None


def pop_address(computation: ComputationAPI) -> Address:
    """Pop a stack word as an address (its low 160 bits)."""
    return force_bytes_to_address(computation.stack_pop1_bytes())


def ensure_not_static(computation: ComputationAPI) -> None:
    """Refuse a state change inside a static frame."""
    if computation.msg.is_static:
        raise WriteProtection("Cannot modify state inside a static frame")


# -- account access -- #
def account_access(computation: AmsterdamComputation, extra: int) -> Address:
    """Pop an address, check and charge its access plus ``extra``."""
    address = pop_address(computation)
    cost = access_cost(not computation.state.is_address_warm(address)) + extra
    computation.meter.check_gas(cost, "account access")
    computation.state.mark_address_warm(address)
    computation.meter.consume_gas(cost, reason="account access")
    return address


def balance(computation: AmsterdamComputation) -> None:
    """Push an account's balance, paying its access first."""
    address = account_access(computation, 0)
    computation.stack_push_int(computation.state.get_balance(address))


def extcodehash(computation: AmsterdamComputation) -> None:
    """Push an account's code hash (0 for an empty account)."""
    address = account_access(computation, 0)
    if computation.state.account_is_empty(address):
        computation.stack_push_int(0)
    else:
        computation.stack_push_bytes(computation.state.get_code_hash(address))


def extcodesize(computation: AmsterdamComputation) -> None:
    """Push an account's code size; the code read costs a warm read [EIP-8038]."""
    address = account_access(computation, WARM_ACCESS)
    computation.stack_push_int(len(computation.state.get_code(address)))


def extcodecopy(computation: AmsterdamComputation) -> None:
    """Copy an account's code to memory after checking the whole price."""
    address = pop_address(computation)
    memory_start, code_start, size = computation.stack_pop_ints(3)
    memory_cost = computation.memory_expansion_cost([(memory_start, size)])
    cost = (
        access_cost(not computation.state.is_address_warm(address))
        + WARM_ACCESS
        + COPY_WORD * words(size)
    )
    computation.meter.check_gas(cost + memory_cost, "EXTCODECOPY")
    computation.state.mark_address_warm(address)
    computation.meter.consume_gas(cost, reason="EXTCODECOPY")
    computation.extend_memory(memory_start, size)
    code = computation.state.get_code(address)
    padded = code[code_start : code_start + size].ljust(size, b"\x00")
    computation.memory_write(memory_start, size, padded)


# -- storage -- #
def sload(computation: AmsterdamComputation) -> None:
    """Push a storage value, paying its access first."""
    slot = computation.stack_pop1_int()
    address = computation.msg.storage_address
    cold = not computation.state.is_storage_warm(address, slot)
    cost = COLD_STORAGE_ACCESS if cold else WARM_ACCESS
    computation.meter.check_gas(cost, "SLOAD")
    computation.state.mark_storage_warm(address, slot)
    computation.meter.consume_gas(cost, reason="SLOAD")
    computation.stack_push_int(computation.state.get_storage(address, slot))


def sstore(computation: AmsterdamComputation) -> None:
    """Write storage with the [EIP-8038] prices and [EIP-8037] state gas."""
    ensure_not_static(computation)
    slot, new = computation.stack_pop_ints(2)
    state = computation.state
    meter = computation.meter
    address = computation.msg.storage_address
    cold = not state.is_storage_warm(address, slot)
    cost = COLD_STORAGE_ACCESS if cold else WARM_ACCESS
    meter.check_gas(max(cost, SSTORE_SENTRY), "SSTORE")
    state.mark_storage_warm(address, slot)
    original = original_storage(computation, slot)
    current = state.get_storage(address, slot)

    if original == current != new:
        cost += STORAGE_WRITE
    if current != new:
        meter.refund_gas(storage_refund(original, current, new))
    state_gas = STORAGE_SET_STATE_GAS if original == current == 0 != new else 0
    if current != new and original == new == 0:
        meter.refill_state_gas(STORAGE_SET_STATE_GAS)
    meter.consume_gas(cost, reason="SSTORE")
    meter.consume_state_gas(state_gas, reason="SSTORE new slot")
    state.set_storage(address, slot, new)


def original_storage(computation: AmsterdamComputation, slot: int) -> int:
    """Return a slot's value at transaction start (0 if created in the tx)."""
    address = computation.msg.storage_address
    if address in computation.created_accounts:
        return 0
    return computation.state.get_storage(address, slot, from_journal=False)


def storage_refund(original: int, current: int, new: int) -> int:
    """Return the signed refund of changing ``current`` to ``new``."""
    refund = 0
    if original != 0 and current != 0 and new == 0:
        refund += REFUND_STORAGE_CLEAR
    if original != 0 and current == 0:
        refund -= REFUND_STORAGE_CLEAR
    if original == new:
        refund += STORAGE_WRITE
    return refund


# -- calls -- #
@dataclass
class CallRequest:
    """What a ``CALL*`` opcode asks of the common call logic."""

    gas: int
    to: Address
    code_source: Address
    sender: Address
    message_value: int
    transferred_value: int
    is_static: bool
    charges_new_account: bool
    input_start: int
    input_size: int
    output_start: int
    output_size: int


def call(computation: AmsterdamComputation) -> None:
    """Call an account, moving value."""
    gas = computation.stack_pop1_int()
    to = pop_address(computation)
    value, in_start, in_size, out_start, out_size = computation.stack_pop_ints(5)
    if value:
        ensure_not_static(computation)
    generic_call(
        computation,
        CallRequest(
            gas=gas,
            to=to,
            code_source=to,
            sender=computation.msg.storage_address,
            message_value=value,
            transferred_value=value,
            is_static=computation.msg.is_static,
            charges_new_account=True,
            input_start=in_start,
            input_size=in_size,
            output_start=out_start,
            output_size=out_size,
        ),
    )


def callcode(computation: AmsterdamComputation) -> None:
    """Run another account's code on this account, moving value to itself."""
    gas = computation.stack_pop1_int()
    code_source = pop_address(computation)
    value, in_start, in_size, out_start, out_size = computation.stack_pop_ints(5)
    here = computation.msg.storage_address
    generic_call(
        computation,
        CallRequest(
            gas=gas,
            to=here,
            code_source=code_source,
            sender=here,
            message_value=value,
            transferred_value=value,
            is_static=computation.msg.is_static,
            charges_new_account=False,
            input_start=in_start,
            input_size=in_size,
            output_start=out_start,
            output_size=out_size,
        ),
    )


def delegatecall(computation: AmsterdamComputation) -> None:
    """Run another account's code in this frame's context."""
    gas = computation.stack_pop1_int()
    code_source = pop_address(computation)
    in_start, in_size, out_start, out_size = computation.stack_pop_ints(4)
    generic_call(
        computation,
        CallRequest(
            gas=gas,
            to=computation.msg.storage_address,
            code_source=code_source,
            sender=computation.msg.sender,
            message_value=computation.msg.value,
            transferred_value=0,
            is_static=computation.msg.is_static,
            charges_new_account=False,
            input_start=in_start,
            input_size=in_size,
            output_start=out_start,
            output_size=out_size,
        ),
    )


def staticcall(computation: AmsterdamComputation) -> None:
    """Call an account that may not change state."""
    gas = computation.stack_pop1_int()
    to = pop_address(computation)
    in_start, in_size, out_start, out_size = computation.stack_pop_ints(4)
    generic_call(
        computation,
        CallRequest(
            gas=gas,
            to=to,
            code_source=to,
            sender=computation.msg.storage_address,
            message_value=0,
            transferred_value=0,
            is_static=True,
            charges_new_account=False,
            input_start=in_start,
            input_size=in_size,
            output_start=out_start,
            output_size=out_size,
        ),
    )


def generic_call(computation: AmsterdamComputation, request: CallRequest) -> None:
    """Price, check, read and run a call in the [EIP-8038] order."""
    state = computation.state
    meter = computation.meter
    memory_cost = computation.memory_expansion_cost(
        [
            (request.input_start, request.input_size),
            (request.output_start, request.output_size),
        ]
    )
    cost = access_cost(not state.is_address_warm(request.code_source))
    if request.transferred_value:
        cost += CALL_VALUE
    meter.check_gas(cost + memory_cost, "call access")
    state.mark_address_warm(request.code_source)
    code = state.get_code(request.code_source)
    delegate = delegation_target(code)
    if delegate is not None:
        cost += access_cost(not state.is_address_warm(delegate))
        meter.check_gas(cost + memory_cost, "delegation access")
        state.mark_address_warm(delegate)
        code = state.get_code(delegate)
    meter.consume_gas(cost, reason="call")
    computation.extend_memory(request.input_start, request.input_size)
    computation.extend_memory(request.output_start, request.output_size)

    creates_account = (
        request.charges_new_account
        and request.transferred_value > 0
        and not is_account_alive(state, request.to)
    )
    if creates_account:
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="call new account")
    child_gas = min(request.gas, max_message_call_gas(meter.gas_remaining))
    meter.consume_gas(child_gas, reason="call gas")
    stipend = CALL_STIPEND if request.transferred_value else 0
    reservoir = meter.take_state_gas_reservoir()

    computation.return_data = b""
    if computation.msg.depth + 1 > STACK_DEPTH_LIMIT or (
        request.transferred_value
        and state.get_balance(computation.msg.storage_address)
        < request.transferred_value
    ):
        meter.return_gas(child_gas + stipend)
        meter.state_gas_left += reservoir
        if creates_account:
            meter.refill_state_gas(NEW_ACCOUNT_STATE_GAS)
        computation.stack_push_int(0)
        return

    call_data = computation.memory_read_bytes(request.input_start, request.input_size)
    child_message = AmsterdamMessage(
        gas=child_gas + stipend,
        state_gas_reservoir=reservoir,
        to=request.to,
        sender=request.sender,
        value=request.message_value,
        data=call_data,
        code=code,
        depth=computation.msg.depth + 1,
        code_address=delegate or request.code_source,
        should_transfer_value=request.transferred_value > 0,
        is_static=request.is_static,
        is_delegation=delegate is not None,
    )
    child = computation.apply_child_computation(child_message)
    computation.incorporate_child(child)
    if child.is_error and creates_account:
        meter.refill_state_gas(NEW_ACCOUNT_STATE_GAS)
    computation.stack_push_int(0 if child.is_error else 1)
    output = child.output
    size = min(request.output_size, len(output))
    computation.memory_write(request.output_start, size, output[:size])


# -- creation -- #
def create(computation: AmsterdamComputation) -> None:
    """Create a contract at the address the creator's nonce gives."""
    ensure_not_static(computation)
    endowment, start, size = computation.stack_pop_ints(3)
    init_code = charge_create(computation, start, size, 0)
    creator = computation.msg.storage_address
    address = generate_contract_address(creator, computation.state.get_nonce(creator))
    generic_create(computation, endowment, address, init_code)


def create2(computation: AmsterdamComputation) -> None:
    """Create a contract at the address the salt and init code give."""
    ensure_not_static(computation)
    endowment, start, size, salt = computation.stack_pop_ints(4)
    init_code = charge_create(computation, start, size, KECCAK_WORD * words(size))
    address = generate_safe_contract_address(
        computation.msg.storage_address, salt, init_code
    )
    generic_create(computation, endowment, address, init_code)


def charge_create(
    computation: AmsterdamComputation, start: int, size: int, hashing: int
) -> bytes:
    """Charge a creation's execution gas and read its init code."""
    if size > MAX_INIT_CODE_SIZE:
        raise OutOfGas(f"Init code size {size} exceeds {MAX_INIT_CODE_SIZE}")
    computation.meter.consume_gas(
        CREATE_ACCESS + init_code_cost(size) + hashing, reason="create"
    )
    computation.extend_memory(start, size)
    return computation.memory_read_bytes(start, size)


def generic_create(
    computation: AmsterdamComputation,
    endowment: int,
    address: Address,
    init_code: bytes,
) -> None:
    """Run the preflight, charge state gas and run the creation frame."""
    state = computation.state
    meter = computation.meter
    creator = computation.msg.storage_address
    computation.return_data = b""
    if (
        state.get_balance(creator) < endowment
        or state.get_nonce(creator) == UINT_64_MAX
        or computation.msg.depth + 1 > STACK_DEPTH_LIMIT
    ):
        computation.stack_push_int(0)
        return
    state.mark_address_warm(address)
    creates_account = not is_account_alive(state, address)
    if creates_account:
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="create new account")
    child_gas = max_message_call_gas(meter.gas_remaining)
    meter.consume_gas(child_gas, reason="create gas")
    reservoir = meter.take_state_gas_reservoir()

    if has_code_or_nonce(state, address):
        state.increment_nonce(creator)
        meter.state_gas_left += reservoir
        if creates_account:
            meter.refill_state_gas(NEW_ACCOUNT_STATE_GAS)
        computation.stack_push_int(0)
        return

    state.increment_nonce(creator)
    child_message = AmsterdamMessage(
        gas=child_gas,
        state_gas_reservoir=reservoir,
        to=CREATE_CONTRACT_ADDRESS,
        sender=creator,
        value=endowment,
        data=b"",
        code=init_code,
        depth=computation.msg.depth + 1,
        create_address=address,
    )
    child = computation.apply_child_computation(child_message)
    computation.incorporate_child(child)
    if child.is_error:
        if creates_account:
            meter.refill_state_gas(NEW_ACCOUNT_STATE_GAS)
        computation.stack_push_int(0)
    else:
        computation.stack_push_bytes(address)


# -- self-destruct -- #
def selfdestruct(computation: AmsterdamComputation) -> None:
    """Send the whole balance away; delete only accounts created in this tx."""
    ensure_not_static(computation)
    beneficiary = pop_address(computation)
    state = computation.state
    meter = computation.meter
    originator = computation.msg.storage_address
    cost = SELFDESTRUCT_BASE
    if not state.is_address_warm(beneficiary):
        cost += access_cost(True)
    meter.check_gas(cost, "SELFDESTRUCT")
    state.mark_address_warm(beneficiary)
    beneficiary_alive = is_account_alive(state, beneficiary)
    amount = state.get_balance(originator)
    creates_account = amount != 0 and not beneficiary_alive
    if creates_account:
        cost += SELFDESTRUCT_NEW_ACCOUNT
    meter.consume_gas(cost, reason="SELFDESTRUCT")
    if creates_account:
        meter.consume_state_gas(NEW_ACCOUNT_STATE_GAS, reason="SELFDESTRUCT")

    if beneficiary != originator:
        move_ether(state, originator, beneficiary, amount)
        emit_transfer_log(computation, originator, beneficiary, amount)
    if originator in computation.created_accounts:
        computation.register_account_for_deletion(beneficiary)
    raise Halt("SELFDESTRUCT")


# -- new opcodes -- #
def slotnum(computation: AmsterdamComputation) -> None:
    """Push the beacon slot number of the block [EIP-7843]."""
    context = cast(Any, computation.state.execution_context)
    computation.stack_push_int(context.slot_number)


def read_immediate(computation: AmsterdamComputation) -> int:
    """Read the one-byte immediate after the opcode (0 past the code)."""
    code = computation.code
    position = code.program_counter
    code.program_counter = position + 1
    return code[position] if position < len(code) else 0


def decode_single(immediate: int) -> int:
    """Decode a ``DUPN``/``SWAPN`` immediate into a depth of 17 to 235."""
    if 90 < immediate < 128:
        raise InvalidInstruction(f"Invalid single immediate {immediate:#x}")
    return (immediate + 145) % 256


def decode_pair(immediate: int) -> tuple[int, int]:
    """Decode an ``EXCHANGE`` immediate into depths ``n < m``."""
    if 81 < immediate < 128:
        raise InvalidInstruction(f"Invalid pair immediate {immediate:#x}")
    high, low = divmod(immediate ^ 143, 16)
    if high < low:
        return high + 1, low + 1
    return low + 1, 29 - high


def stack_values(computation: AmsterdamComputation) -> list[Any]:
    """Return the frame's stack items, top last."""
    return computation._stack.values  # type: ignore[attr-defined]


def require_depth(computation: AmsterdamComputation, depth: int) -> None:
    """Halt if the stack holds fewer than ``depth`` items."""
    if len(stack_values(computation)) < depth:
        raise InsufficientStack(f"Wanted {depth} stack items")


def dupn(computation: AmsterdamComputation) -> None:
    """Duplicate the n-th stack item onto the top [EIP-8024]."""
    n = decode_single(read_immediate(computation))
    require_depth(computation, n)
    computation.stack_dup(n)


def swapn(computation: AmsterdamComputation) -> None:
    """Swap the top with the (n+1)-th stack item [EIP-8024]."""
    n = decode_single(read_immediate(computation))
    require_depth(computation, n + 1)
    computation.stack_swap(n)


def exchange(computation: AmsterdamComputation) -> None:
    """Swap the (n+1)-th and (m+1)-th stack items [EIP-8024]."""
    n, m = decode_pair(read_immediate(computation))
    require_depth(computation, m + 1)
    values = stack_values(computation)
    values[-n - 1], values[-m - 1] = values[-m - 1], values[-n - 1]
