"""Tests of the scenario builder and the scenario catalogue."""

import dataclasses

import pytest
import rlp
from ethereum.exceptions import InvalidBlock

from guest.host.scenario import (
    ETHER,
    Account,
    Authorization,
    Scenario,
    Transaction,
    TransactionType,
    Withdrawal,
    address_of,
    build_input,
    build_scenario,
    check_with_eels,
    contract_address,
    delegation_designator,
    eels_implements,
    genesis_alloc,
    parent_state,
    private_key,
)
from guest.host.scenarios import GROUPS, buildable_forks, catalogue, catalogue_cases
from guest.host.scenarios.evm import ADD, SLOAD, STOP, deploy, push, sstore
from guest.schema import ProtocolFork, deserialize_stateless_output
from guest.stateless_guest import run_stateless_guest_with_verdict

EELS_FORKS = [fork for fork in buildable_forks() if eels_implements(fork)]
CONTRACT = bytes.fromhex("00000000000000000000000000000000c0de7777")


def accepted_by_guest(built) -> bool:
    output = run_stateless_guest_with_verdict(build_input(built).input_bytes).output
    return deserialize_stateless_output(output).successful_validation


def test_catalogue_entries_are_named_described_and_grouped():
    entries = catalogue()
    names = [(entry.group, entry.name) for entry in entries]
    assert len(names) == len(set(names))
    assert {entry.group for entry in entries} == set(GROUPS)
    for entry in entries:
        assert entry.description and "\n" not in entry.description
        assert entry.test_name(entry.since).startswith(f"scenarios/{entry.group}.py::")


def test_catalogue_cases_respect_each_scenario_first_fork():
    for entry, fork in catalogue_cases():
        assert fork >= entry.since


def test_buildable_forks_cover_paris_to_bpo2():
    assert set(EELS_FORKS) >= {
        ProtocolFork.Paris,
        ProtocolFork.Shanghai,
        ProtocolFork.Cancun,
        ProtocolFork.Prague,
    }


def test_private_keys_are_deterministic_and_distinct():
    assert private_key(1) == private_key(1)
    assert address_of(1) != address_of(2)


def test_deploy_wraps_runtime_code():
    runtime = sstore(0, 1) + STOP
    built = build_scenario(
        Scenario(transactions=[Transaction(1, None, data=deploy(runtime))]),
        ProtocolFork.Shanghai,
    )
    state = built.chain.get_vm(built.block.header).state
    assert state.get_code(contract_address(address_of(1), 0)) == runtime


def test_nonces_follow_transaction_order():
    transactions = [Transaction(3, address_of(4), value=n) for n in (1, 2, 3)]
    built = build_scenario(Scenario(transactions=transactions), ProtocolFork.Paris)
    assert [tx.nonce for tx in built.block.transactions] == [0, 1, 2]
    assert [tx.value for tx in built.block.transactions] == [1, 2, 3]


def test_senders_get_funded_unless_listed():
    scenario = Scenario(
        pre={address_of(5): Account(balance=7)},
        transactions=[Transaction(5, address_of(6)), Transaction(8, address_of(6))],
    )
    alloc = genesis_alloc(scenario, ProtocolFork.Paris)
    assert alloc[address_of(5)].balance == 7
    assert alloc[address_of(8)].balance > ETHER


@pytest.mark.parametrize("fork", EELS_FORKS, ids=lambda fork: fork.name)
def test_every_transaction_type_of_the_fork_builds_and_validates(fork):
    types = [TransactionType.LEGACY, TransactionType.ACCESS_LIST]
    types.append(TransactionType.DYNAMIC_FEE)
    counter = sstore(0, push(0) + SLOAD + push(1) + ADD)
    transactions = [Transaction(1, CONTRACT, type=kind) for kind in types]
    transactions += [
        Transaction(1, None, type=kind, data=deploy(STOP)) for kind in types
    ]
    if fork >= ProtocolFork.Cancun:
        blob_hash = b"\x01" + bytes(31)
        transactions.append(
            Transaction(
                1,
                CONTRACT,
                type=TransactionType.BLOB,
                blob_versioned_hashes=(blob_hash,),
            )
        )
    if fork >= ProtocolFork.Prague:
        transactions.append(
            Transaction(
                1,
                address_of(9),
                type=TransactionType.SET_CODE,
                authorizations=(Authorization(9, CONTRACT),),
            )
        )
    withdrawals = (
        [Withdrawal(address_of(10), 5)] if fork >= ProtocolFork.Shanghai else []
    )
    built = build_scenario(
        Scenario(
            pre={CONTRACT: Account(code=counter)},
            transactions=transactions,
            withdrawals=withdrawals,
        ),
        fork,
    )
    assert len(built.block.transactions) == len(transactions)
    check_with_eels(built)
    assert accepted_by_guest(built)
    if fork >= ProtocolFork.Prague:
        state = built.chain.get_vm(built.block.header).state
        assert state.get_code(address_of(9)) == delegation_designator(CONTRACT)


def test_transaction_type_before_its_fork_is_refused():
    scenario = Scenario(
        transactions=[Transaction(1, CONTRACT, type=TransactionType.BLOB)]
    )
    with pytest.raises(ValueError):
        build_scenario(scenario, ProtocolFork.Shanghai)


def test_eels_rejects_a_block_with_a_wrong_state_root():
    built = build_scenario(
        Scenario(transactions=[Transaction(1, address_of(2), value=1)]),
        ProtocolFork.Cancun,
    )
    block = built.block
    bad_header = block.header.copy(state_root=b"\x11" * 32)
    bad = dataclasses.replace(
        built, blocks=built.blocks[:-1] + (block.copy(header=bad_header),)
    )
    with pytest.raises(InvalidBlock):
        check_with_eels(bad)


def test_parent_state_after_ancestors_matches_the_parent_root():
    scenario = Scenario(
        pre={CONTRACT: Account(code=STOP, storage={1: 2})},
        transactions=[Transaction(1, CONTRACT)],
        ancestors=3,
    )
    built = build_scenario(scenario, ProtocolFork.Prague)
    accounts = parent_state(built)
    assert accounts[CONTRACT].storage == {1: 2}
    check_with_eels(built)  # compares the state read with the parent root
    assert len(built.blocks) == 4


def test_blockhash_input_carries_only_the_headers_it_needs():
    entry = next(e for e in catalogue() if e.name == "blockhash_several_depths")
    built = build_scenario(entry.build(ProtocolFork.Paris), ProtocolFork.Paris)
    headers = build_input(built).stateless_input.witness.headers
    assert len(headers) == 8
    assert rlp.decode(headers[-1])[0] == built.parent_header.parent_hash


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry,fork",
    list(catalogue_cases()),
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_every_scenario_is_accepted_by_eels_and_the_guest(entry, fork):
    built = build_scenario(entry.build(fork), fork)
    if eels_implements(fork):
        check_with_eels(built)
    assert accepted_by_guest(built)
