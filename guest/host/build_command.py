"""
``stateless-guest build``: make guest inputs from blocks the user has.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Two sources are supported:

- an EEST blockchain test (``--eest FILE``): every block of every test in the
  file becomes one input, built from the test's pre-state and the blocks
  before it (``guest.host.eest``); blocks the builder cannot convert are
  listed with the reason;
- an RPC pair (``--block FILE --witness FILE``): an ``eth_getBlockByNumber``
  result with full transactions and the block's ``debug_executionWitness``
  (``guest.host.rpc``); the fork and chain id are given on the command line,
  since the schema id, not the block, selects the rules.

Each input is written as ``<name>.bin`` (or ``.hex`` with ``--hex``) and the
guest's verdict on it is printed beside its file name.
"""

import argparse
import json
import re
from pathlib import Path
from typing import Any

from ..schema import ProtocolFork, serialize_stateless_input
from ..stateless_guest import run_stateless_guest_with_verdict
from .builder import BuilderError
from .eest import iter_blockchain_test_blocks
from .io import HostInputError, write_output_file
from .rpc import stateless_input_from_rpc

UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILE_STEM = 150


def read_json_file(path: str) -> Any:
    """Parse a JSON file, naming the file in any error."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise HostInputError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise HostInputError(f"{path}: not valid JSON ({error})") from None


def file_stem(name: str) -> str:
    """Turn a test or block name into a short, portable file name."""
    return UNSAFE_FILE_CHARACTERS.sub("_", name).strip("_")[-MAX_FILE_STEM:]


def write_input(directory: Path, name: str, data: bytes, as_hex: bool) -> Path:
    """Write one input and print the guest's verdict on it."""
    path = directory / f"{file_stem(name)}{'.hex' if as_hex else '.bin'}"
    write_output_file(str(path), data)
    print(f"{path}: {run_stateless_guest_with_verdict(data).describe()}")
    return path


def build_from_eest(args: argparse.Namespace, directory: Path) -> int:
    """Write one input per convertible block of an EEST blockchain test file."""
    document = read_json_file(args.eest)
    if not isinstance(document, dict):
        raise HostInputError(f"{args.eest}: not an EEST blockchain-test file")
    written = 0
    for test_name, fixture in document.items():
        if not isinstance(fixture, dict) or "blocks" not in fixture:
            continue
        try:
            for block in iter_blockchain_test_blocks(test_name, fixture):
                if block.input_bytes is None:
                    print(f"skipped {block.name}: {block.skip_reason}")
                    continue
                write_input(directory, block.name, block.input_bytes, args.hex)
                written += 1
        except (BuilderError, KeyError, ValueError) as error:
            print(f"skipped {test_name}: cannot build inputs ({error})")
    if written == 0:
        raise HostInputError(f"{args.eest}: no block could be turned into an input")
    return 0


def build_from_rpc(args: argparse.Namespace, directory: Path) -> int:
    """Write the input of one RPC block and its execution witness."""
    if args.fork is None:
        raise HostInputError("--fork is required with --block/--witness")
    block = read_json_file(args.block)
    witness = read_json_file(args.witness)
    block = block.get("result", block) if isinstance(block, dict) else block
    witness = witness.get("result", witness) if isinstance(witness, dict) else witness
    try:
        stateless_input = stateless_input_from_rpc(
            ProtocolFork[args.fork], args.chain_id, block, witness
        )
    except (BuilderError, KeyError, ValueError) as error:
        raise HostInputError(f"{args.block}: cannot build an input ({error})") from None
    name = args.name or f"block-{int(str(block.get('number', '0')), 0)}"
    write_input(directory, name, serialize_stateless_input(stateless_input), args.hex)
    return 0


def command_build(args: argparse.Namespace) -> int:
    """Build guest inputs from the given source."""
    directory = Path(args.output)
    directory.mkdir(parents=True, exist_ok=True)
    if args.eest:
        return build_from_eest(args, directory)
    if args.block and args.witness:
        return build_from_rpc(args, directory)
    raise HostInputError("give --eest FILE, or --block FILE and --witness FILE")


def add_parser(commands: Any) -> None:
    """Register ``stateless-guest build``."""
    parser = commands.add_parser(
        "build",
        help="build guest inputs from an EEST blockchain test or an RPC block",
        description="Build stateless inputs from an EEST blockchain test (one per "
        "block) or from eth_getBlockByNumber + debug_executionWitness JSON.",
    )
    parser.add_argument("--eest", metavar="FILE", help="EEST blockchain-test JSON")
    parser.add_argument("--block", metavar="FILE", help="eth_getBlockByNumber JSON")
    parser.add_argument("--witness", metavar="FILE", help="debug_executionWitness JSON")
    parser.add_argument(
        "--fork",
        choices=[fork.name for fork in ProtocolFork],
        help="schema fork of an RPC block (selects the rules)",
    )
    parser.add_argument("--chain-id", type=int, default=1, help="for an RPC block")
    parser.add_argument("--name", help="file name of an RPC block's input")
    parser.add_argument("-o", "--output", default=".", help="directory to write to")
    parser.add_argument("--hex", action="store_true", help="write .hex files")
    parser.set_defaults(func=command_build)
