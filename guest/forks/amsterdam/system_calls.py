"""Amsterdam system calls.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

System contracts run as top-level message calls from ``SYSTEM_ADDRESS``:
value 0, no access list, 30,000,000 execution gas plus a state-gas reservoir
of sixteen new slots ([EIP-8037]), no fee, no nonce change, nothing added to
the block's gas counters and no receipt. Their target account is read like
any call's, so it appears in the block access list even without code.

At the start of the block (access index 0) the beacon-roots ([EIP-4788]) and
history ([EIP-2935]) contracts run *unchecked*: missing code or a failure is
ignored. At the end (index ``n + 1``, after the withdrawals) the request
contracts of [EIP-7002], [EIP-7251] and [EIP-8282] run *checked*: the block is
invalid if one has no code or its call fails; its output is a request.

[EIP-2935]: https://eips.ethereum.org/EIPS/eip-2935
[EIP-4788]: https://eips.ethereum.org/EIPS/eip-4788
[EIP-7002]: https://eips.ethereum.org/EIPS/eip-7002
[EIP-7251]: https://eips.ethereum.org/EIPS/eip-7251
[EIP-8037]: https://eips.ethereum.org/EIPS/eip-8037
[EIP-8282]: https://eips.ethereum.org/EIPS/eip-8282
"""

from eth_typing import Address

from ...errors import BlockException, InvalidBlock
from .state import AmsterdamState
from .transactions import (
    TopLevelOutput,
    process_top_level,
    system_call_environment,
)

BEACON_ROOTS_ADDRESS = Address(
    bytes.fromhex("000f3df6d732807ef1319fb7b8bb8522d0beac02")
)
HISTORY_STORAGE_ADDRESS = Address(
    bytes.fromhex("0000f90827f1c53a10cb7a02335b175320002935")
)
WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS = Address(
    bytes.fromhex("00000961ef480eb55e80d19ad83579a64c007002")
)
CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS = Address(
    bytes.fromhex("0000bbddc7ce488642fb579f8b00f3a590007251")
)
BUILDER_DEPOSIT_CONTRACT_ADDRESS = Address(
    bytes.fromhex("0000bff46984e3725691fa540a8c7589300d8282")
)
BUILDER_EXIT_CONTRACT_ADDRESS = Address(
    bytes.fromhex("000064d678505ad48f8ccb093bc65613800e8282")
)


def process_unchecked_system_transaction(
    state: AmsterdamState, target: Address, data: bytes
) -> TopLevelOutput:
    """Run a system contract; a missing contract or a failure changes nothing."""
    state.begin_unit()
    environment = system_call_environment(
        target, data, state.execution_context.base_fee_per_gas or 0
    )
    return process_top_level(state, environment)


def system_contract_has_code(state: AmsterdamState, target: Address) -> bool:
    """Look at a system contract's code the way a throw-away state would."""
    return len(state.peek_code(target)) > 0


def process_checked_system_transaction(
    state: AmsterdamState, target: Address, data: bytes
) -> bytes:
    """Run a request contract that must have code and must succeed."""
    if not system_contract_has_code(state, target):
        raise InvalidBlock(
            BlockException.SYSTEM_CONTRACT_EMPTY, f"0x{bytes(target).hex()} has no code"
        )
    output = process_unchecked_system_transaction(state, target, data)
    if output.error is not None:
        raise InvalidBlock(
            BlockException.SYSTEM_CONTRACT_CALL_FAILED,
            f"0x{bytes(target).hex()}: {output.error!r}",
        )
    return output.return_data
