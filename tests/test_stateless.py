"""The whole validation pipeline: phases, commitments, configuration, forks."""

import time
from dataclasses import replace

import pytest
from eth.vm.forks import CancunVM, ParisVM, ShanghaiVM
from eth.vm.forks.prague.constants import WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS
from eth_utils import keccak

import guest.schema
import guest.stateless
from guest.errors import (
    BlockException,
    InvalidBlock,
    Refusal,
    StatelessException,
)
from guest.forks import vm_class_for
from guest.payload import build_payload_header, header_class_of
from guest.schema import (
    ProtocolFork,
    StatelessInput,
    compute_new_payload_request_root,
    serialize_stateless_input,
)
from guest.stateless import (
    validate_stateless_input,
    verify_stateless_new_payload,
)
from guest.stateless_guest import run_stateless_guest_with_verdict
from tests.stateless_chain import (
    BuiltCase,
    make_input,
    new_chain,
    typical_transactions,
)

PY_EVM_VMS = {
    ProtocolFork.Paris: ParisVM,
    ProtocolFork.Shanghai: ShanghaiVM,
    ProtocolFork.Cancun: CancunVM,
}


@pytest.fixture(scope="module", params=list(PY_EVM_VMS), ids=lambda fork: fork.name)
def case(request) -> BuiltCase:
    """A block of transfers, a storage collapse and a BLOCKHASH call, per fork."""
    fork = request.param
    chain = new_chain(fork, PY_EVM_VMS[fork])
    return make_input(chain, typical_transactions(chain, 8))


def refusal_of(stateless_input: StatelessInput, **options: object) -> Refusal:
    result = verify_stateless_new_payload(stateless_input, **options)  # type: ignore[arg-type]
    assert not result.successful_validation
    assert result.refusal is not None
    return result.refusal


def with_payload(stateless_input: StatelessInput, **changes: object) -> StatelessInput:
    """Change payload fields and re-seal the block hash, so only they differ."""
    request = stateless_input.new_payload_request
    payload = replace(request.execution_payload, **changes)
    request = replace(request, execution_payload=payload)
    vm_class = vm_class_for(stateless_input.fork)
    header = build_payload_header(header_class_of(vm_class), request)
    payload = replace(payload, block_hash=header.hash)
    return replace(
        stateless_input, new_payload_request=replace(request, execution_payload=payload)
    )


def test_valid_block_validates(case: BuiltCase) -> None:
    result = verify_stateless_new_payload(case.stateless_input)
    assert result.successful_validation, result.refusal
    assert result.refusal is None
    assert result.chain_id == case.stateless_input.chain_id
    assert result.schema_id == case.stateless_input.schema_id


def test_guest_program_output(case: BuiltCase) -> None:
    verdict = run_stateless_guest_with_verdict(
        serialize_stateless_input(case.stateless_input)
    )
    root = compute_new_payload_request_root(case.stateless_input)
    assert verdict.output[:32] == root
    assert verdict.output[32] == 1


@pytest.mark.parametrize(
    ("field", "change", "reason"),
    [
        ("state_root", lambda v: keccak(v), BlockException.INVALID_STATE_ROOT),
        ("receipts_root", lambda v: keccak(v), BlockException.INVALID_RECEIPTS_ROOT),
        ("logs_bloom", lambda v: b"\xff" * 256, BlockException.INVALID_LOG_BLOOM),
        ("gas_used", lambda v: v - 1, BlockException.INVALID_GAS_USED),
    ],
)
def test_commitment_mismatch_is_named(case: BuiltCase, field, change, reason) -> None:
    payload = case.stateless_input.new_payload_request.execution_payload
    changed = with_payload(
        case.stateless_input, **{field: change(getattr(payload, field))}
    )
    refusal = refusal_of(changed)
    assert isinstance(refusal, InvalidBlock)
    assert refusal.exception is reason
    assert compute_new_payload_request_root(
        changed
    ) != compute_new_payload_request_root(case.stateless_input)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (lambda p: {"timestamp": p.timestamp - 12}, "TIMESTAMP"),
        (lambda p: {"block_number": p.block_number + 1}, "NUMBER"),
        (lambda p: {"base_fee_per_gas": p.base_fee_per_gas + 1}, "BASEFEE"),
        (lambda p: {"gas_limit": p.gas_limit * 2}, "GASLIMIT"),
        (lambda p: {"parent_hash": keccak(p.parent_hash)}, "PARENT"),
    ],
)
def test_header_rule_is_named(case: BuiltCase, changes, reason) -> None:
    expected = {
        "TIMESTAMP": BlockException.INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT,
        "NUMBER": BlockException.INVALID_BLOCK_NUMBER,
        "BASEFEE": BlockException.INVALID_BASEFEE_PER_GAS,
        "GASLIMIT": BlockException.INVALID_GASLIMIT,
        "PARENT": BlockException.UNKNOWN_PARENT,
    }[reason]
    payload = case.stateless_input.new_payload_request.execution_payload
    assert refusal_of(
        with_payload(case.stateless_input, **changes(payload))
    ).exception is (expected)


def test_blob_gas_commitments() -> None:
    chain = new_chain(ProtocolFork.Cancun, CancunVM)
    built = make_input(chain, typical_transactions(chain, 1))
    payload = built.stateless_input.new_payload_request.execution_payload
    used = with_payload(built.stateless_input, blob_gas_used=payload.blob_gas_used + 1)
    assert refusal_of(used).exception is BlockException.INCORRECT_BLOB_GAS_USED
    excess = with_payload(
        built.stateless_input, excess_blob_gas=payload.excess_blob_gas + 1
    )
    assert refusal_of(excess).exception is BlockException.INCORRECT_EXCESS_BLOB_GAS
    hashes = replace(
        built.stateless_input.new_payload_request, versioned_hashes=(b"\x01" * 32,)
    )
    refusal = refusal_of(replace(built.stateless_input, new_payload_request=hashes))
    assert refusal.exception is StatelessException.VERSIONED_HASHES_MISMATCH


def test_phases_are_marked_in_order(case: BuiltCase, monkeypatch) -> None:
    marks: list[str] = []
    monkeypatch.setattr(guest.stateless, "mark_phase", marks.append)
    assert verify_stateless_new_payload(case.stateless_input).successful_validation
    assert marks == [
        "request root",
        "headers",
        "pre-state",
        "execution",
        "post-state root",
    ]


def test_unexpected_error_is_an_internal_refusal(case: BuiltCase, monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(guest.stateless, "validate_headers", broken)
    refusal = refusal_of(case.stateless_input)
    assert refusal.exception is StatelessException.INTERNAL_ERROR


def test_fork_schedule_check_is_opt_in() -> None:
    """The test chain's timestamps (November 2023) lie in mainnet's Shanghai."""
    inputs = {}
    for fork in (ProtocolFork.Paris, ProtocolFork.Shanghai, ProtocolFork.Cancun):
        chain = new_chain(fork, PY_EVM_VMS[fork], empty_blocks=1)
        inputs[fork] = make_input(chain, typical_transactions(chain, 1)).stateless_input
    for stateless_input in inputs.values():
        assert verify_stateless_new_payload(stateless_input).successful_validation
    checked = {
        fork: verify_stateless_new_payload(
            stateless_input, check_fork_schedule=True
        ).refusal
        for fork, stateless_input in inputs.items()
    }
    assert checked[ProtocolFork.Shanghai] is None
    for fork in (ProtocolFork.Paris, ProtocolFork.Cancun):
        refusal = checked[fork]
        assert refusal is not None
        assert refusal.exception is StatelessException.FORK_NOT_ACTIVE


def test_chain_config_is_passed_down(case: BuiltCase, monkeypatch) -> None:
    seen = []
    original = guest.stateless.vm_class_for

    def recording(fork, chain_config=None):
        seen.append(chain_config)
        return original(fork, chain_config)

    monkeypatch.setattr(guest.stateless, "vm_class_for", recording)
    config = guest.stateless.chain_config_for(case.stateless_input.chain_id)
    validate_stateless_input(case.stateless_input, chain_config=config)
    assert seen and all(chain_config is config for chain_config in seen)


@pytest.mark.parametrize("fork", list(ProtocolFork))
def test_commitment_list_is_in_execution_specs_order(fork: ProtocolFork) -> None:
    commitments = vm_class_for(fork).header_commitments  # type: ignore[attr-defined]
    fields = [name for name, _ in commitments]
    assert fields[:3] == ["gas_used", "transaction_root", "state_root"]
    if fork == ProtocolFork.Amsterdam:
        assert fields[-1] == "block_access_list_hash"


@pytest.mark.slow
def test_time_of_a_100_transfer_block() -> None:
    chain = new_chain(ProtocolFork.Shanghai, ShanghaiVM, empty_blocks=1)
    built = make_input(chain, typical_transactions(chain, 100))
    data = serialize_stateless_input(built.stateless_input)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        verdict = run_stateless_guest_with_verdict(data)
        timings.append(time.perf_counter() - start)
        assert verdict.status == "valid", verdict.describe()
    print(f"100-transfer block: best {min(timings):.3f} s of {len(timings)}")


# Prague to BPO2, on the host's scenario builder (system contracts included).

LATER_FORKS = (
    ProtocolFork.Prague,
    ProtocolFork.Osaka,
    ProtocolFork.BPO1,
    ProtocolFork.BPO2,
)


@pytest.fixture(scope="module", params=LATER_FORKS, ids=lambda fork: fork.name)
def later_input(request) -> StatelessInput:
    """Transfers and a withdrawal in a block of a fork with system calls."""
    builder = pytest.importorskip("guest.host.builder")
    scenarios = pytest.importorskip("guest.host.scenario")
    fork = request.param
    scenario = scenarios.Scenario(
        transactions=[
            scenarios.Transaction(sender=i, to=keccak(b"to %d" % i)[:20], value=10**15)
            for i in range(6)
        ],
        withdrawals=[scenarios.Withdrawal(keccak(b"withdrawal")[:20], 5)],
    )
    built = scenarios.build_scenario(scenario, fork)
    alloc = {
        address: builder.AccountState(
            account.nonce, account.balance, account.code, account.storage
        )
        for address, account in built.alloc.items()
    }
    return builder.build_stateless_input(
        fork, 1, alloc, built.ancestor_headers, built.block
    ).stateless_input


def test_later_fork_validates(later_input: StatelessInput) -> None:
    result = verify_stateless_new_payload(later_input)
    assert result.successful_validation, result.refusal


def test_later_fork_requests_hash_is_committed(later_input: StatelessInput) -> None:
    request = later_input.new_payload_request
    assert request.execution_requests is not None
    deposits = (b"\x00" * 48, b"\x00" * 32, 1, b"\x00" * 96, 0)
    changed_requests = replace(
        request.execution_requests,
        deposits=(guest.schema.DepositRequest(*deposits),),
    )
    changed = replace(
        later_input,
        new_payload_request=replace(request, execution_requests=changed_requests),
    )
    # The block hash commits to the requests hash, so re-seal it first.
    resealed = with_payload(changed)
    refusal = refusal_of(resealed)
    assert refusal.exception is BlockException.INVALID_REQUESTS


def test_every_system_contract_code_is_witness_data(
    later_input: StatelessInput,
) -> None:
    codes = later_input.witness.codes
    assert len(codes) >= 4  # beacon roots, history, withdrawal and consolidation
    for index, code in enumerate(codes):
        dropped = replace(
            later_input,
            witness=replace(
                later_input.witness, codes=codes[:index] + codes[index + 1 :]
            ),
        )
        refusal = refusal_of(dropped)
        assert refusal.exception is StatelessException.MISSING_CODE
        assert refusal.missing_hash == keccak(code)  # type: ignore[attr-defined]


def test_withdrawal_request_is_committed_through_the_requests_hash() -> None:
    """An [EIP-7002] request made in the block must be in the request's list."""
    builder = pytest.importorskip("guest.host.builder")
    scenarios = pytest.importorskip("guest.host.scenario")
    fork = ProtocolFork.Prague
    pubkey, amount = b"\x11" * 48, 5
    scenario = scenarios.Scenario(
        transactions=[
            scenarios.Transaction(
                sender=1,
                to=WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
                value=1,
                data=pubkey + amount.to_bytes(8, "big"),
                gas=300_000,
            )
        ]
    )
    built = scenarios.build_scenario(scenario, fork)
    alloc = {
        address: builder.AccountState(
            account.nonce, account.balance, account.code, account.storage
        )
        for address, account in built.alloc.items()
    }
    stateless_input = builder.build_stateless_input(
        fork, 1, alloc, built.ancestor_headers, built.block
    ).stateless_input
    request = guest.schema.WithdrawalRequest(scenarios.address_of(1), pubkey, amount)
    requests = guest.schema.ExecutionRequests((), (request,), ())
    with_request = replace(
        stateless_input,
        new_payload_request=replace(
            stateless_input.new_payload_request, execution_requests=requests
        ),
    )
    result = verify_stateless_new_payload(with_request)
    assert result.successful_validation, result.refusal
    without = replace(
        with_request,
        new_payload_request=replace(
            with_request.new_payload_request,
            execution_requests=guest.schema.ExecutionRequests((), (), ()),
        ),
    )
    assert refusal_of(without).exception is StatelessException.BLOCK_HASH_MISMATCH
    assert (
        refusal_of(with_payload(without)).exception is BlockException.INVALID_REQUESTS
    )
