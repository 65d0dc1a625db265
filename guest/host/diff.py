"""
Differences between two stateless inputs or outputs.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``stateless-guest diff A B`` answers "why do these two differ?" for the two
kinds of guest bytes:

- two **outputs** (43 bytes each): which of the four fields differ (request
  root, success flag, chain id, schema id), with both values;
- two **inputs**: the first differing field by path (for example
  ``new_payload_request.execution_payload.transactions[3]``), the witness
  nodes and codes that only one input holds (by keccak hash, with the trie
  path that needs them when the parent's state trie reaches them), and the
  headers that differ (by index, with number and hash);
- an **input and an output**: our output for the input against the given one.

``--explain`` re-runs our guest on the input(s) and shows our verdict with
its refusal reason and the phase where it arose: what a client team needs
when its output disagrees with ours.

The report is a plain dictionary, printed as text for people or as JSON
(``--json``) for machines.
"""

import argparse
import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any

import rlp
from eth_hash.auto import keccak

from ..errors import UndecodableInput
from ..schema import (
    HASH_SIZE,
    STATELESS_VALIDATION_RESULT_SIZE,
    ProtocolFork,
    StatelessInput,
    compute_new_payload_request_root,
    deserialize_stateless_input,
    deserialize_stateless_output,
)
from ..stateless_guest import Verdict, run_stateless_guest_with_verdict
from .io import read_input_file
from .mutators import MutationNotApplicable, parent_state_root

EMPTY_TRIE_ROOT = keccak(rlp.encode(b""))
EMPTY_CODE_HASH = keccak(b"")
BRANCH_CHILDREN = 16
BRANCH_NODE_LENGTH = BRANCH_CHILDREN + 1
SHORT_NODE_LENGTH = 2
LEAF_FLAG = 2
ODD_FLAG = 1
HEADER_NUMBER_INDEX = 8
ACCOUNT_STORAGE_ROOT_INDEX = 2
ACCOUNT_CODE_HASH_INDEX = 3
SHOWN_BYTES = 32
"""Show at most this many bytes of a long value."""
MORE_DIFFERENCES_SHOWN = 10

OUTPUT_FIELDS = (
    "new_payload_request_root",
    "successful_validation",
    "chain_id",
    "schema_id",
)


# Formatting values.


def show_bytes(value: bytes) -> str:
    """Show bytes as 0x-hex, shortened when long."""
    if len(value) <= SHOWN_BYTES:
        return "0x" + value.hex()
    return f"0x{value[:SHOWN_BYTES].hex()}... ({len(value)} bytes)"


def first_differing_byte(a: bytes, b: bytes) -> int:
    """Return the index of the first byte where two strings differ."""
    return next(
        (i for i, (left, right) in enumerate(zip(a, b)) if left != right),
        min(len(a), len(b)),
    )


def show_bytes_pair(a: bytes, b: bytes) -> tuple[str, str]:
    """Show two differing byte strings from where they start to differ."""
    start = first_differing_byte(a, b)
    if start < SHOWN_BYTES:
        return show_bytes(a), show_bytes(b)
    return show_bytes_from(a, start), show_bytes_from(b, start)


def show_bytes_from(value: bytes, start: int) -> str:
    """Show a long byte string from the byte where a difference starts."""
    window = value[start : start + SHOWN_BYTES]
    return f"(from byte {start}) 0x{window.hex()}... ({len(value)} bytes)"


def show_value(value: Any) -> str:
    """Show one field value the way the report prints it."""
    if value is None:
        return "(absent)"
    if isinstance(value, bytes):
        return show_bytes(value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if dataclasses.is_dataclass(value):
        return type(value).__name__
    if isinstance(value, tuple):
        return f"({len(value)} items)"
    return repr(value)


def show_schema_id(schema_id: int) -> str:
    """Show a schema id with the fork it selects, when it selects one."""
    try:
        fork = ProtocolFork(schema_id >> 8).name
    except ValueError:
        fork = "unknown fork"
    return f"0x{schema_id:04x} ({fork})"


# Outputs.


def is_output(data: bytes) -> bool:
    """Tell guest output bytes from input bytes by their fixed size."""
    return len(data) == STATELESS_VALIDATION_RESULT_SIZE


def output_fields(data: bytes) -> dict[str, str]:
    """Return the four output fields, shown as text."""
    try:
        result = deserialize_stateless_output(data)
    except Exception as error:
        raise ValueError(f"not a guest output: {error}") from None
    return {
        "new_payload_request_root": show_bytes(result.new_payload_request_root),
        "successful_validation": show_value(result.successful_validation),
        "chain_id": show_value(result.chain_id),
        "schema_id": f"0x{result.schema_id:04x}",
    }


def diff_outputs(a: bytes, b: bytes) -> dict[str, Any]:
    """Compare two outputs field by field."""
    fields_a, fields_b = output_fields(a), output_fields(b)
    differences = [
        {"field": name, "a": fields_a[name], "b": fields_b[name]}
        for name in OUTPUT_FIELDS
        if fields_a[name] != fields_b[name]
    ]
    same = [name for name in OUTPUT_FIELDS if fields_a[name] == fields_b[name]]
    return {
        "kind": "outputs",
        "identical": a == b,
        "differences": differences,
        "same": {name: fields_a[name] for name in same},
    }


# Inputs: fields.


def field_differences(a: Any, b: Any, path: str) -> Iterator[dict[str, str]]:
    """Yield every differing leaf field of two values, in schema order."""
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        for item in dataclasses.fields(a):
            yield from field_differences(
                getattr(a, item.name), getattr(b, item.name), f"{path}.{item.name}"
            )
    elif isinstance(a, tuple) and isinstance(b, tuple):
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else None
            right = b[index] if index < len(b) else None
            yield from field_differences(left, right, f"{path}[{index}]")
    elif isinstance(a, bytes) and isinstance(b, bytes) and a != b:
        left, right = show_bytes_pair(a, b)
        yield {"path": path, "a": left, "b": right}
    elif a != b:
        yield {"path": path, "a": show_value(a), "b": show_value(b)}


def request_differences(a: StatelessInput, b: StatelessInput) -> list[dict[str, str]]:
    """List the differing fields outside the witness, request first."""
    differences = list(
        field_differences(
            a.new_payload_request, b.new_payload_request, "new_payload_request"
        )
    )
    if a.chain_id != b.chain_id:
        differences.append(
            {"path": "chain_id", "a": str(a.chain_id), "b": str(b.chain_id)}
        )
    if a.schema_id != b.schema_id:
        differences.append(
            {
                "path": "schema_id",
                "a": show_schema_id(a.schema_id),
                "b": show_schema_id(b.schema_id),
            }
        )
    return differences


# Inputs: witness.


def decode_nibbles(encoded: bytes) -> tuple[list[int], bool]:
    """Decode a hex-prefix path into nibbles and whether it ends at a leaf."""
    flag = encoded[0] >> 4
    nibbles = [nibble for byte in encoded for nibble in (byte >> 4, byte & 0x0F)]
    skip = 1 if flag & ODD_FLAG else 2
    return nibbles[skip:], bool(flag & LEAF_FLAG)


def nibble_text(nibbles: Iterable[int]) -> str:
    """Show a trie path as hex nibbles."""
    return "0x" + "".join(f"{nibble:x}" for nibble in nibbles)


class WitnessMap:
    """Name the trie position that needs each witness node and code."""

    def __init__(self, nodes: dict[bytes, bytes]) -> None:
        self.nodes = nodes
        self.node_places: dict[bytes, str] = {}
        self.code_places: dict[bytes, str] = {}

    def walk_state(self, state_root: bytes) -> None:
        """Walk the account trie and every storage trie it reaches."""
        self.walk_trie(state_root, [], None)

    def walk_trie(self, reference: Any, path: list[int], account: str | None) -> None:
        """Walk one trie from a node reference (a hash or an embedded node)."""
        if isinstance(reference, bytes) and len(reference) == HASH_SIZE:
            if reference in self.node_places:
                return
            self.node_places[reference] = self.place(path, account)
            if reference not in self.nodes:
                return
            try:
                node = rlp.decode(self.nodes[reference])
            except Exception:
                return
        elif isinstance(reference, list):
            node = reference
        else:
            return
        self.walk_node(node, path, account)

    def walk_node(self, node: list[Any], path: list[int], account: str | None) -> None:
        """Follow a decoded node's children, and accounts at account leaves."""
        if len(node) == BRANCH_NODE_LENGTH:
            for nibble, child in enumerate(node[:BRANCH_CHILDREN]):
                self.walk_trie(child, path + [nibble], account)
        elif len(node) == SHORT_NODE_LENGTH and isinstance(node[0], bytes) and node[0]:
            nibbles, is_leaf = decode_nibbles(node[0])
            if not is_leaf:
                self.walk_trie(node[1], path + nibbles, account)
            elif account is None and isinstance(node[1], bytes):
                self.walk_account(node[1], nibble_text(path + nibbles))

    def walk_account(self, encoded: bytes, key: str) -> None:
        """Walk an account's storage trie and note its code."""
        try:
            fields = rlp.decode(encoded)
            storage_root = bytes(fields[ACCOUNT_STORAGE_ROOT_INDEX])
            code_hash = bytes(fields[ACCOUNT_CODE_HASH_INDEX])
        except Exception:
            return
        if code_hash != EMPTY_CODE_HASH:
            self.code_places.setdefault(code_hash, f"code of the account at key {key}")
        if storage_root != EMPTY_TRIE_ROOT:
            self.walk_trie(storage_root, [], key)

    def place(self, path: list[int], account: str | None) -> str:
        """Describe a trie position in words."""
        where = (
            "account trie"
            if account is None
            else f"storage trie of the account at key {account}"
        )
        return f"{where}, path {nibble_text(path) if path else '(root)'}"


def witness_map(a: StatelessInput, b: StatelessInput) -> WitnessMap:
    """Map the union of both witnesses from each input's parent state root."""
    nodes = {keccak(node): node for node in a.witness.state + b.witness.state}
    mapping = WitnessMap(nodes)
    for stateless_input in (a, b):
        try:
            mapping.walk_state(parent_state_root(stateless_input))
        except MutationNotApplicable:
            continue
    return mapping


def item_differences(
    items_a: tuple[bytes, ...], items_b: tuple[bytes, ...], places: dict[bytes, str]
) -> dict[str, Any]:
    """Compare two witness item lists as sets of preimages, keyed by hash."""
    hashes_a = {keccak(item): item for item in items_a}
    hashes_b = {keccak(item): item for item in items_b}

    def describe(hashes: Iterable[bytes], items: dict[bytes, bytes]) -> list[Any]:
        return [
            {
                "hash": "0x" + item_hash.hex(),
                "size": len(items[item_hash]),
                "needed_at": places.get(
                    item_hash, "not reached from a parent state root"
                ),
            }
            for item_hash in sorted(hashes)
        ]

    return {
        "only_in_a": describe(hashes_a.keys() - hashes_b.keys(), hashes_a),
        "only_in_b": describe(hashes_b.keys() - hashes_a.keys(), hashes_b),
        "same_set": hashes_a.keys() == hashes_b.keys(),
        "same_list": items_a == items_b,
        "counts": [len(items_a), len(items_b)],
    }


def header_summary(header: bytes | None) -> dict[str, Any] | None:
    """Describe a header by its number and hash, or say it does not decode."""
    if header is None:
        return None
    summary: dict[str, Any] = {"hash": "0x" + keccak(header).hex(), "size": len(header)}
    try:
        summary["number"] = int.from_bytes(
            rlp.decode(header)[HEADER_NUMBER_INDEX], "big"
        )
    except Exception:
        summary["number"] = None
        summary["error"] = "not an RLP header"
    return summary


def header_differences(
    headers_a: tuple[bytes, ...], headers_b: tuple[bytes, ...]
) -> list[dict[str, Any]]:
    """List the header positions whose bytes differ."""
    differences = []
    for index in range(max(len(headers_a), len(headers_b))):
        left = headers_a[index] if index < len(headers_a) else None
        right = headers_b[index] if index < len(headers_b) else None
        if left != right:
            differences.append(
                {"index": index, "a": header_summary(left), "b": header_summary(right)}
            )
    return differences


# Inputs: whole report.


def describe_input(data: bytes) -> tuple[dict[str, Any], StatelessInput | None]:
    """Decode an input and summarize it, or say why it does not decode."""
    summary: dict[str, Any] = {"kind": "input", "size": len(data)}
    try:
        stateless_input = deserialize_stateless_input(data)
    except UndecodableInput as error:
        summary["decode_error"] = str(error)
        return summary, None
    summary["schema_id"] = show_schema_id(stateless_input.schema_id)
    root = compute_new_payload_request_root(stateless_input)
    summary["request_root"] = "0x" + root.hex()
    return summary, stateless_input


def diff_inputs(a: bytes, b: bytes) -> dict[str, Any]:
    """Compare two inputs: request fields, witness items and headers."""
    summary_a, input_a = describe_input(a)
    summary_b, input_b = describe_input(b)
    report: dict[str, Any] = {
        "kind": "inputs",
        "identical": a == b,
        "a": summary_a,
        "b": summary_b,
    }
    if input_a is None or input_b is None:
        report["first_difference"] = first_byte_difference(a, b)
        return report
    differences = request_differences(input_a, input_b)
    report["first_difference"] = differences[0] if differences else None
    report["field_differences"] = differences
    mapping = witness_map(input_a, input_b)
    report["state"] = item_differences(
        input_a.witness.state, input_b.witness.state, mapping.node_places
    )
    report["codes"] = item_differences(
        input_a.witness.codes, input_b.witness.codes, mapping.code_places
    )
    report["headers"] = header_differences(
        input_a.witness.headers, input_b.witness.headers
    )
    return report


def first_byte_difference(a: bytes, b: bytes) -> dict[str, str] | None:
    """Locate the first differing byte when the inputs cannot be decoded."""
    if a == b:
        return None
    index = first_differing_byte(a, b)
    return {
        "path": f"byte {index}",
        "a": show_bytes(a[index : index + 8]) if index < len(a) else "(end)",
        "b": show_bytes(b[index : index + 8]) if index < len(b) else "(end)",
    }


# Explanations.


def explain(input_bytes: bytes) -> dict[str, Any]:
    """Run our guest and report its output with the reason behind it."""
    verdict = run_stateless_guest_with_verdict(input_bytes)
    return verdict_report(verdict)


def verdict_report(verdict: Verdict) -> dict[str, Any]:
    """Turn a verdict into the report's explanation entry."""
    report: dict[str, Any] = {
        "output": "0x" + verdict.output.hex(),
        "status": verdict.status,
        "verdict": verdict.describe(),
    }
    if verdict.decode_error is not None:
        report["phase"] = "decode"
        report["reason"] = verdict.decode_error
    elif verdict.refusal is not None:
        report["phase"] = verdict.refusal.phase.value
        report["reason"] = verdict.refusal.reason
        report["detail"] = verdict.refusal.detail
    return report


def diff_input_and_output(
    input_bytes: bytes, output_bytes: bytes, input_side: str
) -> dict[str, Any]:
    """Compare our output for an input with an output from elsewhere."""
    verdict = run_stateless_guest_with_verdict(input_bytes)
    ours, theirs = verdict.output, output_bytes
    if input_side == "b":
        ours, theirs = theirs, ours
    report = diff_outputs(ours, theirs)
    report["kind"] = "input and output"
    report["ours"] = input_side
    report["explanation"] = verdict_report(verdict)
    return report


def diff(a: bytes, b: bytes, explain_inputs: bool = False) -> dict[str, Any]:
    """Compare two guest byte strings of either kind."""
    if is_output(a) and is_output(b):
        return diff_outputs(a, b)
    if is_output(b):
        return diff_input_and_output(a, b, "a")
    if is_output(a):
        return diff_input_and_output(b, a, "b")
    report = diff_inputs(a, b)
    if explain_inputs:
        report["explanation"] = {"a": explain(a), "b": explain(b)}
    return report


# Text rendering.


def render(report: dict[str, Any]) -> str:
    """Render a diff report as text for people."""
    if report["kind"] == "inputs":
        lines = render_inputs(report)
    else:
        lines = render_outputs(report)
    return "\n".join(lines)


def render_outputs(report: dict[str, Any]) -> list[str]:
    """Render an output comparison."""
    lines = []
    if report["kind"] == "input and output":
        mine = report["ours"].upper()
        lines.append(f"{mine} is our output for the input; the other is the given one")
    if report["identical"]:
        lines.append("outputs are identical")
    for difference in report["differences"]:
        lines.append(f"{difference['field']} differs:")
        lines.append(f"  A: {difference['a']}")
        lines.append(f"  B: {difference['b']}")
    for name, value in report["same"].items():
        lines.append(f"{name} same: {value}")
    if "explanation" in report:
        lines += render_explanation("our verdict", report["explanation"])
    return lines


def render_explanation(title: str, explanation: dict[str, Any]) -> list[str]:
    """Render our verdict, its reason and the phase it arose in."""
    lines = [f"{title}: {explanation['verdict']}"]
    if "phase" in explanation:
        lines.append(f"  phase: {explanation['phase']}")
        lines.append(f"  reason: {explanation['reason']}")
    lines.append(f"  our output: {explanation['output']}")
    return lines


def render_inputs(report: dict[str, Any]) -> list[str]:
    """Render an input comparison."""
    lines = [
        render_input_summary("A", report["a"]),
        render_input_summary("B", report["b"]),
    ]
    if report["identical"]:
        lines.append("inputs are identical")
    first = report.get("first_difference")
    if first is None:
        lines.append("request, chain id and schema id: same")
    else:
        lines.append(f"first difference: {first['path']}")
        lines.append(f"  A: {first['a']}")
        lines.append(f"  B: {first['b']}")
    others = report.get("field_differences", [])[1:]
    if others:
        lines.append(f"other differing fields ({len(others)}):")
        for difference in others[:MORE_DIFFERENCES_SHOWN]:
            lines.append(
                f"  {difference['path']}: {difference['a']} -> {difference['b']}"
            )
        if len(others) > MORE_DIFFERENCES_SHOWN:
            lines.append(f"  ... and {len(others) - MORE_DIFFERENCES_SHOWN} more")
    for name, title in (("state", "witness state nodes"), ("codes", "witness codes")):
        if name in report:
            lines += render_items(title, report[name])
    if "headers" in report:
        lines += render_headers(report["headers"])
    for side, explanation in report.get("explanation", {}).items():
        lines += render_explanation(f"our verdict on {side.upper()}", explanation)
    return lines


def render_input_summary(side: str, summary: dict[str, Any]) -> str:
    """Render one input's one-line summary."""
    if "decode_error" in summary:
        error = summary["decode_error"]
        return f"{side}: input, {summary['size']} bytes, undecodable: {error}"
    return (
        f"{side}: input, {summary['size']} bytes, schema {summary['schema_id']}, "
        f"request root {summary['request_root']}"
    )


def render_items(title: str, items: dict[str, Any]) -> list[str]:
    """Render the witness items that only one input holds."""
    if items["same_list"]:
        return [f"{title}: same"]
    if items["same_set"]:
        count_a, count_b = items["counts"]
        counts = f"{count_a} vs {count_b}"
        return [f"{title}: same items, different order or duplicates ({counts})"]
    lines = []
    for side in ("a", "b"):
        only = items[f"only_in_{side}"]
        lines.append(f"{title} only in {side.upper()} ({len(only)}):")
        for item in only:
            lines.append(f"  {item['hash']} {item['size']} bytes, {item['needed_at']}")
    return lines


def render_headers(headers: list[dict[str, Any]]) -> list[str]:
    """Render the header positions that differ."""
    if not headers:
        return ["headers: same"]
    lines = [f"headers differing ({len(headers)}):"]
    for difference in headers:
        lines.append(f"  [{difference['index']}]")
        for side in ("a", "b"):
            lines.append(f"    {side.upper()}: {render_header(difference[side])}")
    return lines


def render_header(summary: dict[str, Any] | None) -> str:
    """Render one header as number and hash."""
    if summary is None:
        return "(absent)"
    number = "?" if summary["number"] is None else f"#{summary['number']}"
    note = f" ({summary['error']})" if "error" in summary else ""
    return f"{number} {summary['hash']}, {summary['size']} bytes{note}"


# Command line.


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``diff`` subcommand to the command-line parser."""
    parser = subparsers.add_parser(
        "diff",
        help="show how two stateless inputs or outputs differ",
        description=(
            "Compare two guest inputs, two 43-byte outputs, or an input with an "
            "output (ours for the input against the given one). Files are "
            "binary, .hex, or '-' for stdin."
        ),
    )
    parser.add_argument("a", metavar="A", help="first input or output")
    parser.add_argument("b", metavar="B", help="second input or output")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="re-run our guest on the input(s): verdict, refusal reason, phase",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run_diff_command)
    return parser


def run_diff_command(arguments: argparse.Namespace) -> int:
    """Run ``stateless-guest diff``; return 0 if equal, 1 if they differ."""
    a, b = read_input_file(arguments.a), read_input_file(arguments.b)
    try:
        report = diff(a, b, arguments.explain)
    except ValueError as error:
        print(f"cannot compare: {error}")
        return 2
    if not arguments.explain:
        report.pop("explanation", None)
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        print(render(report))
    return 0 if report["identical"] else 1
