"""The ``stateless-guest`` command line.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``run`` runs the guest on one input; ``vectors`` runs every vector it finds
and compares outputs byte for byte; the host-side tools (``build``,
``mutate``, ``diff``, ``trace``) register their own subcommands when they are
installed. The exit status is 0 whenever the guest ran (validity is in the
output) and non-zero only for unusable arguments or files, or, for
``vectors``, when a case failed.
"""

import argparse
import importlib
import sys
from collections.abc import Sequence

from .host.io import (
    HostInputError,
    read_chain_config_file,
    read_input_file,
    write_output_file,
)
from .host.runner import GuestOptions, default_jobs, run_vectors
from .stateless_guest import run_stateless_guest_with_verdict

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

TOOL_MODULES = (
    "guest.host.build_command",
    "guest.host.mutators",
    "guest.host.diff",
    "guest.host.trace",
)
"""Host-side modules that add a subcommand through ``add_parser``."""


def command_run(args: argparse.Namespace) -> int:
    """Run the guest on one input and write its 43 output bytes."""
    input_bytes = read_input_file(args.input)
    options = guest_options(args)
    verdict = run_stateless_guest_with_verdict(
        input_bytes,
        chain_config=options.chain_config,
        check_fork_schedule=options.check_fork_schedule,
    )
    if args.output:
        write_output_file(args.output, verdict.output)
    elif args.hex or sys.stdout.isatty():
        print("0x" + verdict.output.hex())
    else:
        sys.stdout.buffer.write(verdict.output)
        sys.stdout.flush()
    print(verdict.describe(), file=sys.stderr)
    return EXIT_OK


def command_vectors(args: argparse.Namespace) -> int:
    """Run every vector under the given paths and report."""
    summary = run_vectors(
        args.paths,
        jobs=args.jobs,
        json_report=args.json,
        junit_report=args.junit,
        options=guest_options(args),
        exclude=args.exclude,
    )
    return EXIT_FAILED if summary.count("failed") else EXIT_OK


def guest_options(args: argparse.Namespace) -> GuestOptions:
    """Read the host-side chain settings shared by ``run`` and ``vectors``."""
    chain_config = (
        read_chain_config_file(args.chain_config) if args.chain_config else None
    )
    return GuestOptions(chain_config, args.check_fork_schedule)


def add_chain_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that configure the chain rather than the input."""
    parser.add_argument(
        "--chain-config",
        metavar="FILE",
        help="geth-style genesis JSON (or its config object): blob schedules and "
        "deposit contract override the built-in configuration",
    )
    parser.add_argument(
        "--check-fork-schedule",
        action="store_true",
        help="refuse a payload whose timestamp is outside the schema fork's "
        "activation window (off by default, as in the spec)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(
        prog="stateless-guest",
        description="Ethereum L1-zkEVM stateless guest program (reference).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="run the guest on one input",
        description="Run the guest on INPUT (binary, .hex, or - for stdin); write "
        "the 43 output bytes and print the verdict on stderr.",
    )
    run.add_argument("input", help="input file: binary, .hex, or - for stdin")
    run.add_argument("-o", "--output", help="write the output here (.hex for hex)")
    run.add_argument("--hex", action="store_true", help="print the output as hex")
    add_chain_options(run)
    run.set_defaults(func=command_run)

    vectors = commands.add_parser(
        "vectors",
        help="run every vector under the given paths",
        description="Run every vector found in files, directories and .tar.gz/"
        ".tar.xz archives and compare outputs byte for byte.",
    )
    vectors.add_argument("paths", nargs="+", metavar="PATH")
    vectors.add_argument(
        "-j", "--jobs", type=int, default=default_jobs(), help="parallel workers"
    )
    vectors.add_argument("--json", metavar="FILE", help="write a JSON report")
    vectors.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    vectors.add_argument(
        "--exclude",
        metavar="TEXT",
        action="append",
        default=[],
        help="skip files and archive members whose path contains TEXT (repeatable)",
    )
    add_chain_options(vectors)
    vectors.set_defaults(func=command_vectors)

    for module_name in TOOL_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        add_parser = getattr(module, "add_parser", None)
        if add_parser is not None:
            add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the command and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except HostInputError as error:
        print(f"stateless-guest: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILED
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
