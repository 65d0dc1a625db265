"""
Stateless validation of a new-payload request.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``verify_stateless_new_payload`` computes the request root first, outside any
failure handling, then validates the block from the witness alone. Every
failure inside validation gives ``successful_validation = False``; the
refusal that caused it is kept on the result for reports.

Validation follows the execution-specs' guest: the ancestor headers, the
witness pre-state, the payload's own commitments (empty transaction, block
hash, blob versioned hashes), then the block's execution by the fork's VM
and the comparison of every header commitment with what execution produced.

A fork's VM class takes part through py-evm's usual methods
(``create_header_from_parent``, ``block_preprocessing``,
``apply_all_transactions``, ``apply_all_withdrawals``,
``set_block_transactions_and_withdrawals``, ``block_postprocessing``,
``finalize_block``) and two optional class attributes:

- ``header_commitments``: the ordered ``(header field, BlockException)``
  pairs compared after execution (every guest fork's VM defines it);
- ``validate_block_size(block)`` (a class method): refuses a block whose
  RLP exceeds the fork's size cap ([EIP-7934]), if the fork has one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from eth.abc import (
    BlockAPI,
    BlockHeaderAPI,
    ReceiptAPI,
    VirtualMachineAPI,
    WithdrawalAPI,
)
from eth.consensus.context import ConsensusContext
from eth.db.chain import ChainDB
from eth.vm.base import VM
from eth.vm.chain_context import ChainContext

from .chain_config import ChainConfig, chain_config_for
from .chain_config import check_fork_schedule as check_timestamp_in_fork
from .errors import (
    BlockException,
    InternalError,
    InvalidBlock,
    Phase,
    Refusal,
    StatelessException,
    StatelessRefusal,
)
from .forks import vm_class_for
from .headers import AncestorChain, validate_header, validate_headers
from .payload import block_from_payload, header_class_of
from .profile import mark_phase, trace_event, tracing
from .schema import (
    ProtocolFork,
    StatelessInput,
    StatelessValidationResult,
    compute_new_payload_request_root,
)
from .witness import WitnessDatabase, witness_state_class

EXECUTION_COUNTERS = ("gas_used", "bloom", "blob_gas_used")
"""Header fields that execution accumulates from zero."""


@dataclass(frozen=True)
class Commitment:
    """Pair a header value with the value execution produced."""

    field: str
    claimed: Any
    computed: Any
    exception: BlockException


def fork_vm_class(
    fork: ProtocolFork, chain_config: ChainConfig
) -> type[VirtualMachineAPI]:
    """Return the fork's VM class, refusing a fork this build has no rules for."""
    try:
        return vm_class_for(fork, chain_config)
    except (KeyError, ImportError, NotImplementedError) as error:
        raise StatelessRefusal(
            StatelessException.EXECUTION_NOT_IMPLEMENTED,
            f"no execution rules for {fork.name}: {error}",
        ) from error


def ancestor_header_classes(
    fork: ProtocolFork, chain_config: ChainConfig
) -> tuple[type[BlockHeaderAPI], ...]:
    """Return the shapes an ancestor header may have: the fork's, then the previous."""
    classes = [header_class_of(fork_vm_class(fork, chain_config))]
    if fork > ProtocolFork.Paris:
        previous = header_class_of(fork_vm_class(ProtocolFork(fork - 1), chain_config))
        if previous not in classes:
            classes.append(previous)
    return tuple(classes)


@cache
def stateless_vm_class(vm_class: type[VirtualMachineAPI]) -> type[VirtualMachineAPI]:
    """Derive a VM of the same fork whose state reads the witness."""
    return type(
        f"Stateless{vm_class.__name__}",
        (vm_class,),
        {"_state_class": witness_state_class(vm_class.get_state_class())},
    )


def validate_block_size(vm_class: type[VirtualMachineAPI], block: BlockAPI) -> None:
    """Let the fork refuse an oversized block ([EIP-7934]), if it caps the size."""
    fork_check: Callable[[BlockAPI], None] | None = getattr(
        vm_class, "validate_block_size", None
    )
    if fork_check is not None:
        fork_check(block)


def execute_block(
    vm_class: type[VirtualMachineAPI],
    block: BlockAPI,
    ancestors: AncestorChain,
    witness: WitnessDatabase,
    chain_id: int,
) -> BlockAPI:
    """
    Run the block on the witness pre-state and return the block it produces.

    The produced block carries the header execution computes: gas used,
    bloom, receipts and state roots, requests hash and whatever else the
    fork's VM fills in.
    """
    chain_context = ChainContext(chain_id)
    vm = cast(
        VM,
        stateless_vm_class(vm_class)(
            header=block.header,
            chaindb=ChainDB(witness),
            chain_context=chain_context,
            consensus_context=ConsensusContext(witness),
        ),
    )
    execution_context = vm.create_execution_context(
        block.header, ancestors.ancestor_hashes(), chain_context
    )
    vm._state = vm.get_state_class()(  # type: ignore[attr-defined]
        witness, execution_context, ancestors.parent_header.state_root
    )
    vm._block = block  # type: ignore[attr-defined]

    vm.block_preprocessing(block)
    header = block.header
    start_header = header.copy(
        **{name: 0 for name in EXECUTION_COUNTERS if hasattr(header, name)}
    )
    new_header, receipts, _ = vm.apply_all_transactions(
        block.transactions, start_header
    )
    if tracing():
        trace_receipts(receipts)
    withdrawals: Sequence[WithdrawalAPI] | None = getattr(block, "withdrawals", None)
    if withdrawals:
        trace_event("withdrawals", count=len(withdrawals))
        vm.apply_all_withdrawals(withdrawals)
    filled = vm.set_block_transactions_and_withdrawals(
        block,
        new_header,
        block.transactions,
        receipts,
        withdrawals=withdrawals,  # type: ignore[arg-type]
    )
    processed = vm.block_postprocessing(filled)
    mark_phase("post-state root")
    executed = vm.finalize_block(processed).block
    witness.store.raise_if_missing()
    return executed


def trace_receipts(receipts: Sequence[ReceiptAPI]) -> None:
    """Show each transaction's gas and status to an observer."""
    previous = 0
    for index, receipt in enumerate(receipts):
        trace_event(
            "transaction",
            index=index,
            gas_used=receipt.gas_used - previous,
            status="success" if receipt.state_root == b"\x01" else "failed",
            logs=len(receipt.logs),
        )
        previous = receipt.gas_used


def header_commitments(
    vm_class: type[VirtualMachineAPI], claimed: BlockHeaderAPI, computed: BlockHeaderAPI
) -> list[Commitment]:
    """List the fork's header commitments, claimed against computed."""
    pairs: Sequence[tuple[str, BlockException]] = vm_class.header_commitments  # type: ignore[attr-defined]
    return [
        Commitment(name, getattr(claimed, name), getattr(computed, name), exception)
        for name, exception in pairs
    ]


def validate_commitments(commitments: Sequence[Commitment]) -> None:
    """Refuse the block at the first header value execution disagrees with."""
    for commitment in commitments:
        trace_event(
            "commitment",
            field=commitment.field,
            header=commitment.claimed,
            computed=commitment.computed,
            matches=commitment.claimed == commitment.computed,
        )
        if commitment.claimed != commitment.computed:
            raise InvalidBlock(
                commitment.exception,
                f"{commitment.field}: header {_show(commitment.claimed)}, "
                f"execution {_show(commitment.computed)}",
                Phase.COMMITMENTS,
            )


def _show(value: Any) -> str:
    return f"0x{value.hex()}" if isinstance(value, bytes) else str(value)


def validate_stateless_input(
    stateless_input: StatelessInput,
    *,
    chain_config: ChainConfig | None = None,
    check_fork_schedule: bool = False,
) -> None:
    """Validate the block; raise a ``Refusal`` naming the first failure."""
    fork = stateless_input.fork
    request = stateless_input.new_payload_request
    payload = request.execution_payload
    witness = stateless_input.witness
    config = chain_config or chain_config_for(stateless_input.chain_id)
    vm_class = fork_vm_class(fork, config)

    mark_phase("headers")
    ancestors = validate_headers(witness.headers, ancestor_header_classes(fork, config))
    trace_event(
        "headers",
        count=len(witness.headers),
        parent_number=ancestors.parent_header.block_number,
        parent_hash=ancestors.parent_hash,
    )
    if check_fork_schedule:
        check_timestamp_in_fork(config, fork, payload.timestamp)

    mark_phase("pre-state")
    pre_state = WitnessDatabase(witness.state, witness.codes)
    trace_event(
        "witness",
        nodes=len(witness.state),
        codes=len(witness.codes),
        pre_state_root=ancestors.parent_header.state_root,
    )
    block = block_from_payload(vm_class, request)
    trace_event(
        "payload",
        number=payload.block_number,
        block_hash=payload.block_hash,
        transactions=len(payload.transactions),
        gas_limit=payload.gas_limit,
    )

    mark_phase("execution")
    validate_block_size(vm_class, block)
    validate_header(
        vm_class, block.header, ancestors.parent_header, ancestors.parent_hash
    )
    executed = execute_block(
        vm_class, block, ancestors, pre_state, stateless_input.chain_id
    )
    validate_commitments(header_commitments(vm_class, block.header, executed.header))


def verify_stateless_new_payload(
    stateless_input: StatelessInput,
    *,
    chain_config: ChainConfig | None = None,
    check_fork_schedule: bool = False,
) -> StatelessValidationResult:
    """Validate a request statelessly and build the guest's public output."""
    mark_phase("request root")
    root = compute_new_payload_request_root(stateless_input)
    refusal: Refusal | None = None
    try:
        validate_stateless_input(
            stateless_input,
            chain_config=chain_config,
            check_fork_schedule=check_fork_schedule,
        )
    except Refusal as error:
        refusal = error
    except Exception as error:  # any failure inside validation refuses the block
        refusal = InternalError(error)
    return StatelessValidationResult(
        new_payload_request_root=root,
        successful_validation=refusal is None,
        chain_id=stateless_input.chain_id,
        schema_id=stateless_input.schema_id,
        refusal=refusal,
    )
