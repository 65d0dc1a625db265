"""Build schema values for tests, independent of ../shared."""

from guest.schema import (
    BuilderDepositRequest,
    BuilderExitRequest,
    ConsolidationRequest,
    DepositRequest,
    ExecutionPayload,
    ExecutionRequests,
    ExecutionWitness,
    NewPayloadRequest,
    ProtocolFork,
    StatelessInput,
    Withdrawal,
    WithdrawalRequest,
    schema_id_of,
)

SHAPE_FORKS = (
    ProtocolFork.Paris,
    ProtocolFork.Shanghai,
    ProtocolFork.Cancun,
    ProtocolFork.Prague,
    ProtocolFork.Amsterdam,
)
"""One fork per request shape: Bellatrix, Capella, Deneb, ElectraFulu, Gloas."""


def repeated(byte: int, size: int) -> bytes:
    return bytes([byte]) * size


def sample_payload(fork: ProtocolFork) -> ExecutionPayload:
    """Return the reth guest's reference payload for the fork's shape."""
    shanghai = fork >= ProtocolFork.Shanghai
    cancun = fork >= ProtocolFork.Cancun
    amsterdam = fork >= ProtocolFork.Amsterdam
    return ExecutionPayload(
        parent_hash=repeated(1, 32),
        fee_recipient=repeated(2, 20),
        state_root=repeated(3, 32),
        receipts_root=repeated(4, 32),
        logs_bloom=repeated(5, 256),
        prev_randao=repeated(6, 32),
        block_number=100,
        gas_limit=30_000_000,
        gas_used=21_000,
        timestamp=1_700_000_000,
        extra_data=repeated(0xEE, 7),
        base_fee_per_gas=int.from_bytes(repeated(7, 32), "little"),
        block_hash=repeated(8, 32),
        transactions=(repeated(0xDD, 8),),
        withdrawals=(Withdrawal(1, 2, repeated(3, 20), 4),) if shanghai else None,
        blob_gas_used=131_072 if cancun else None,
        excess_blob_gas=262_144 if cancun else None,
        block_access_list=repeated(0xBA, 33) if amsterdam else None,
        slot_number=42 if amsterdam else None,
    )


def sample_requests(fork: ProtocolFork) -> ExecutionRequests | None:
    """Return one request of every type the fork's shape has."""
    if fork < ProtocolFork.Prague:
        return None
    amsterdam = fork >= ProtocolFork.Amsterdam
    return ExecutionRequests(
        deposits=(
            DepositRequest(repeated(1, 48), repeated(2, 32), 3, repeated(4, 96), 5),
        ),
        withdrawals=(WithdrawalRequest(repeated(1, 20), repeated(2, 48), 3),),
        consolidations=(
            ConsolidationRequest(repeated(1, 20), repeated(2, 48), repeated(3, 48)),
        ),
        builder_deposits=(
            (
                BuilderDepositRequest(
                    repeated(1, 48), repeated(2, 32), 3, repeated(4, 96)
                ),
            )
            if amsterdam
            else None
        ),
        builder_exits=(
            (BuilderExitRequest(repeated(1, 20), repeated(2, 48)),)
            if amsterdam
            else None
        ),
    )


def sample_request(fork: ProtocolFork) -> NewPayloadRequest:
    """Return a request of the fork's shape with every list non-empty."""
    cancun = fork >= ProtocolFork.Cancun
    return NewPayloadRequest(
        execution_payload=sample_payload(fork),
        versioned_hashes=(repeated(9, 32),) if cancun else None,
        parent_beacon_block_root=repeated(10, 32) if cancun else None,
        execution_requests=sample_requests(fork),
    )


def sample_input(
    fork: ProtocolFork = ProtocolFork.Amsterdam,
    witness: ExecutionWitness | None = None,
    chain_id: int = 1,
) -> StatelessInput:
    """Return a stateless input (empty witness unless given)."""
    return StatelessInput(
        new_payload_request=sample_request(fork),
        witness=witness or ExecutionWitness(state=(), codes=(), headers=()),
        chain_id=chain_id,
        schema_id=schema_id_of(fork),
    )
