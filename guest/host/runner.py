"""Conformance runner: every vector in files, directories and archives.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

``stateless-guest vectors PATH...`` finds vectors in:

- EEST blockchain-test JSON whose blocks (``blocks``) or engine payloads
  (``engineNewPayloads``) carry ``statelessInputBytes`` and
  ``statelessOutputBytes``: the layout of the official ``tests-zkevm``
  release and of this project's ``vectors/``;
- the ``{"cases": [...]}`` layout of ``shared/vectors/upstream-v21``;
- EEST blockchain tests without stateless bytes: each block's input is built
  from the test's pre-state by the host builder, and a case passes when our
  validity matches the fixture's (and, for a refused block, our reason is one
  of the exceptions it lists);

in plain files, directories (searched recursively) and ``.tar.gz`` /
``.tar.xz`` archives. Archives are read member by member and only a bounded
number of cases is in flight at once, so an unpacked release of several
gigabytes never sits in memory whole.
"""

import json
import os
import sys
import tarfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from ..chain_config import ChainConfig
from ..schema import STATELESS_VALIDATION_RESULT_SIZE, deserialize_stateless_output
from ..stateless_guest import run_stateless_guest_with_verdict
from .io import HostInputError, parse_hex

if TYPE_CHECKING:
    from .eest import BuiltBlock

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar")
JSON_SUFFIX = ".json"
CASES_IN_FLIGHT_PER_JOB = 4
OUTPUT_FIELD_NAMES = ("root", "success", "chain_id", "schema_id")


@dataclass(frozen=True)
class VectorCase:
    """One guest input with what the vector expects of it."""

    name: str
    input_bytes: bytes = b""
    expected_output: bytes | None = None
    """The exact 43 bytes expected, when the vector records them."""
    fixture_block: "BuiltBlock | None" = None
    """For a block built from an EEST test: the ``BuiltBlock`` that judges it."""
    skip_reason: str | None = None
    error: str | None = None
    """Why the vector itself could not be read: the case fails."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case, in a form that crosses process boundaries."""

    name: str
    status: str
    """``passed``, ``failed`` or ``skipped``."""
    message: str = ""
    expected_output: str | None = None
    actual_output: str | None = None
    verdict: str | None = None
    reason: str | None = None
    phase: str | None = None


@dataclass(frozen=True)
class GuestOptions:
    """Host-side settings every case of a run is validated with."""

    chain_config: ChainConfig | None = None
    check_fork_schedule: bool = False


@dataclass
class RunSummary:
    """Count and keep the results of a run."""

    results: list[CaseResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Return how many cases ended with `status`."""
        return sum(1 for result in self.results if result.status == status)

    def line(self) -> str:
        """Return the closing ``N passed, M failed[, K skipped]`` line."""
        text = f"{self.count('passed')} passed, {self.count('failed')} failed"
        skipped = self.count("skipped")
        return f"{text}, {skipped} skipped" if skipped else text


# Finding cases.


def is_archive(path: Path) -> bool:
    """Tell whether `path` names a tar archive the runner can stream."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def iter_vector_files(
    paths: Iterable[str], exclude: Sequence[str] = ()
) -> Iterator[tuple[str, IO[bytes] | Path]]:
    """Yield (display name, file) for every JSON file under `paths`."""
    for source, handle in _iter_vector_files(paths):
        if not any(pattern in source for pattern in exclude):
            yield source, handle


def _iter_vector_files(paths: Iterable[str]) -> Iterator[tuple[str, IO[bytes] | Path]]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and (
                    child.suffix == JSON_SUFFIX or is_archive(child)
                ):
                    yield from _iter_vector_files([str(child)])
        elif is_archive(path):
            yield from iter_archive_members(path)
        elif path.is_file():
            yield str(path), path
        else:
            raise HostInputError(f"{name}: no such file or directory")


def iter_archive_members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """Stream the JSON members of a tar archive, one at a time."""
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if member.isfile() and member.name.endswith(JSON_SUFFIX):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield f"{path}:{member.name}", handle
    except (tarfile.TarError, OSError, EOFError) as error:
        raise HostInputError(f"{path}: unreadable archive ({error})") from None


def iter_vector_cases(
    paths: Iterable[str], exclude: Sequence[str] = ()
) -> Iterator[VectorCase]:
    """Yield every case found under `paths`, reading one file at a time."""
    for source, handle in iter_vector_files(paths, exclude):
        try:
            document = load_json(handle)
        except (ValueError, OSError) as error:
            yield VectorCase(name=source, error=f"unreadable JSON ({error})")
            continue
        yield from cases_from_document(source, document)


def load_json(handle: IO[bytes] | Path) -> Any:
    """Parse one JSON document from a path or an open file."""
    if isinstance(handle, Path):
        with handle.open("rb") as file:
            return json.load(file)
    return json.load(handle)


def cases_from_document(source: str, document: Any) -> Iterator[VectorCase]:
    """Yield the cases of one JSON document, whatever its layout."""
    if isinstance(document, dict) and isinstance(document.get("cases"), list):
        for index, case in enumerate(document["cases"]):
            yield case_from_pair(f"{source}#{index}", case)
        return
    if not isinstance(document, dict):
        return
    for test_name, fixture in document.items():
        if isinstance(fixture, dict):
            yield from cases_from_fixture(test_name, fixture)


def cases_from_fixture(test_name: str, fixture: dict[str, Any]) -> Iterator[VectorCase]:
    """Yield the cases of one EEST blockchain test."""
    entries = fixture.get("blocks") or fixture.get("engineNewPayloads") or []
    if not isinstance(entries, list):
        return
    with_bytes = [
        (index, entry)
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and "statelessInputBytes" in entry
    ]
    if with_bytes:
        for index, entry in with_bytes:
            pair = dict(entry, name=f"{test_name}[block {index}]")
            yield case_from_pair(pair["name"], pair)
    elif entries and "pre" in fixture:
        yield from cases_built_from_fixture(test_name, fixture)


def case_from_pair(default_name: str, entry: dict[str, Any]) -> VectorCase:
    """Read a case that records its input and output bytes."""
    name = str(entry.get("name", default_name))
    try:
        input_bytes = parse_hex(str(entry["statelessInputBytes"]), name)
        expected = parse_hex(str(entry["statelessOutputBytes"]), name)
    except KeyError as missing:
        return VectorCase(name=name, error=f"missing field {missing}")
    except HostInputError as error:
        return VectorCase(name=name, error=str(error))
    return VectorCase(name=name, input_bytes=input_bytes, expected_output=expected)


def cases_built_from_fixture(
    test_name: str, fixture: dict[str, Any]
) -> Iterator[VectorCase]:
    """Build each block's input with the host builder, then yield the cases."""
    try:
        from . import eest  # type: ignore[attr-defined,unused-ignore]
    except ImportError as error:
        yield VectorCase(
            name=test_name,
            skip_reason=f"building inputs from EEST tests needs guest.host.eest "
            f"({error})",
        )
        return
    try:
        for block in eest.iter_blockchain_test_blocks(test_name, fixture):
            yield VectorCase(
                name=block.name,
                input_bytes=block.input_bytes or b"",
                fixture_block=replace(block, built=None),
                skip_reason=block.skip_reason,
            )
    except Exception as error:  # a fixture the builder cannot convert
        yield VectorCase(
            name=test_name,
            error=f"cannot build inputs: {type(error).__name__}: {error}",
        )


# Judging cases.


def output_differences(expected: bytes, actual: bytes) -> list[str]:
    """Name the output fields that differ between two 43-byte outputs."""
    if len(expected) != STATELESS_VALIDATION_RESULT_SIZE:
        return [f"expected output has {len(expected)} bytes, not 43"]
    left = deserialize_stateless_output(expected)
    right = deserialize_stateless_output(actual)
    pairs = {
        "root": (
            left.new_payload_request_root.hex(),
            right.new_payload_request_root.hex(),
        ),
        "success": (left.successful_validation, right.successful_validation),
        "chain_id": (left.chain_id, right.chain_id),
        "schema_id": (f"0x{left.schema_id:04x}", f"0x{right.schema_id:04x}"),
    }
    return [
        f"{name}: expected {want}, got {got}"
        for name, (want, got) in pairs.items()
        if want != got
    ]


def run_case(case: VectorCase, options: GuestOptions = GuestOptions()) -> CaseResult:
    """Run one case through the guest and judge it."""
    if case.error is not None:
        return CaseResult(case.name, "failed", message=case.error)
    if case.skip_reason is not None:
        return CaseResult(case.name, "skipped", message=case.skip_reason)
    verdict = run_stateless_guest_with_verdict(
        case.input_bytes,
        chain_config=options.chain_config,
        check_fork_schedule=options.check_fork_schedule,
    )
    refusal = verdict.refusal
    common = {
        "actual_output": verdict.output.hex(),
        "verdict": verdict.describe(),
        "reason": refusal.reason if refusal is not None else None,
        "phase": refusal.phase.value if refusal is not None else None,
    }
    if case.expected_output is not None:
        differences = output_differences(case.expected_output, verdict.output)
        status = "passed" if verdict.output == case.expected_output else "failed"
        return CaseResult(
            case.name,
            status,
            message="; ".join(differences),
            expected_output=case.expected_output.hex(),
            **common,
        )
    if case.fixture_block is None:
        return CaseResult(case.name, "failed", "the case records no expectation")
    message = case.fixture_block.judge(verdict)
    return CaseResult(
        case.name, "failed" if message else "passed", message or "", **common
    )


# Running.


def run_cases(
    cases: Iterable[VectorCase],
    jobs: int = 1,
    progress: "Progress | None" = None,
    options: GuestOptions = GuestOptions(),
) -> RunSummary:
    """Run every case, in parallel when `jobs` > 1, keeping few in flight."""
    summary = RunSummary()

    def record(result: CaseResult) -> None:
        summary.results.append(result)
        if progress is not None:
            progress.update(summary)

    if jobs <= 1:
        for case in cases:
            record(run_case(case, options))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: set[Future[CaseResult]] = set()
            for case in cases:
                pending.add(pool.submit(run_case, case, options))
                if len(pending) >= jobs * CASES_IN_FLIGHT_PER_JOB:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        record(future.result())
            for future in pending:
                record(future.result())
    if progress is not None:
        progress.finish()
    return summary


class Progress:
    """Draw a one-line progress bar on a terminal."""

    WIDTH = 30

    def __init__(self, stream: IO[str], total: int | None = None) -> None:
        self.stream = stream
        self.total = total

    def update(self, summary: RunSummary) -> None:
        """Redraw the bar after a case finished."""
        done = len(summary.results)
        counts = f"{summary.count('passed')} passed, {summary.count('failed')} failed"
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * done // self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            line = f"\r[{bar}] {done}/{self.total} ({counts})"
        else:
            line = f"\r{done} cases ({counts})"
        self.stream.write(line)
        self.stream.flush()

    def finish(self) -> None:
        """Clear the bar so the report starts on a clean line."""
        self.stream.write("\r\033[K")
        self.stream.flush()


def count_cases_cheaply(paths: list[str], exclude: Sequence[str]) -> int | None:
    """Count cases up front when that means reading small plain files only."""
    files = []
    for name in paths:
        path = Path(name)
        if is_archive(path):
            return None
        files.extend(
            [path]
            if path.is_file()
            else [child for child in path.rglob("*.json")]
            if path.is_dir()
            else []
        )
    if sum(file.stat().st_size for file in files) > 64 * 2**20:
        return None
    return sum(1 for _ in iter_vector_cases(paths, exclude))


# Reports.


def failure_table(summary: RunSummary) -> str:
    """Render the failed cases as a table: name, what differs, our reason."""
    failures = sorted(
        (result for result in summary.results if result.status == "failed"),
        key=lambda result: result.name,
    )
    lines = []
    for result in failures:
        lines.append(f"FAIL {result.name}")
        if result.message:
            lines.append(f"     {result.message}")
        if result.expected_output is not None:
            lines.append(f"     expected 0x{result.expected_output}")
            lines.append(f"     actual   0x{result.actual_output}")
        if result.verdict:
            lines.append(f"     ours: {result.verdict}")
    return "\n".join(lines)


def skipped_table(summary: RunSummary) -> str:
    """List skipped cases, each with its reason."""
    return "\n".join(
        f"SKIP {result.name}: {result.message}"
        for result in summary.results
        if result.status == "skipped"
    )


def write_json_report(summary: RunSummary, path: str) -> None:
    """Write a machine-readable report of every case."""
    report = {
        "summary": {
            status: summary.count(status) for status in ("passed", "failed", "skipped")
        },
        "cases": [result.__dict__ for result in summary.results],
    }
    Path(path).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


def write_junit_report(summary: RunSummary, path: str) -> None:
    """Write a JUnit XML report, one test case per vector."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name="stateless-guest vectors" tests="{len(summary.results)}" '
        f'failures="{summary.count("failed")}" skipped="{summary.count("skipped")}">',
    ]
    for result in summary.results:
        lines.append(f'  <testcase classname="vectors" name={quoteattr(result.name)}>')
        if result.status == "failed":
            detail = "\n".join(
                part
                for part in (
                    result.message,
                    f"expected 0x{result.expected_output}"
                    if result.expected_output
                    else "",
                    f"actual 0x{result.actual_output}" if result.actual_output else "",
                    f"ours: {result.verdict}" if result.verdict else "",
                )
                if part
            )
            lines.append(
                f"    <failure message={quoteattr(result.message or 'mismatch')}>"
                f"{escape_text(detail)}</failure>"
            )
        elif result.status == "skipped":
            lines.append(f"    <skipped message={quoteattr(result.message)}/>")
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    Path(path).write_text("\n".join(lines) + "\n")


def escape_text(text: str) -> str:
    """Escape text for an XML element body."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def default_jobs() -> int:
    """Use every core the process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def run_vectors(
    paths: list[str],
    jobs: int = 1,
    json_report: str | None = None,
    junit_report: str | None = None,
    options: GuestOptions = GuestOptions(),
    exclude: Sequence[str] = (),
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> RunSummary:
    """Run the vectors under `paths` and print the report."""
    out = out or sys.stdout
    err = err or sys.stderr
    progress = (
        Progress(err, count_cases_cheaply(paths, exclude)) if err.isatty() else None
    )
    summary = run_cases(
        iter_vector_cases(paths, exclude), jobs=jobs, progress=progress, options=options
    )
    for table in (failure_table(summary), skipped_table(summary)):
        if table:
            print(table, file=out)
    if json_report:
        write_json_report(summary, json_report)
    if junit_report:
        write_junit_report(summary, junit_report)
    print(summary.line(), file=out)
    return summary
