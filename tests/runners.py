"""
One harness, two runners: the guest in-process, and the riscv64 build.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

A runner turns input bytes into a ``RunResult`` (output bytes and exit
status). ``native`` calls ``guest.run_stateless_guest`` in this process;
``riscv64`` runs the C launcher with Debian's riscv64 CPython under
``qemu-riscv64`` (``riscv/tools/qemu_guest.py``). Both must agree byte for
byte on every vector, whatever the guest answers.

Vectors come from ``../shared/vectors`` (upstream v21 pairs and the
multi-fork root vectors) and from the project's own ``vectors/`` directory
(any JSON holding ``statelessInputBytes``, or ``*.input`` files with an
optional ``*.output`` beside them). ``stratified_sample`` picks a fixed,
small sample that still covers every schema id, every outcome class and
every precompile the pool exercises.
"""

import hashlib
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
SHARED_VECTORS = SHARED / "vectors"
PROJECT_VECTORS = REPOSITORY / "vectors"
OUTPUT_SIZE = 43
SUCCESS_BYTE = 32
"""Offset of ``successful_validation`` in the 43-byte output."""

FORK_INDICES = range(0x0E, 0x16)
"""Schema-id high bytes of Paris through Amsterdam."""

PRECOMPILE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ecrecover": ("ecrecover",),
    "sha256": ("sha256", "sha2_"),
    "ripemd160": ("ripemd",),
    "identity": ("identity",),
    "modexp": ("modexp",),
    "bn254_add": ("ecadd", "bn128_add", "bn254_add", "alt_bn128_add"),
    "bn254_mul": ("ecmul", "bn128_mul", "bn254_mul", "alt_bn128_mul"),
    "bn254_pairing": ("ecpairing", "bn128_pairing", "bn254_pairing"),
    "blake2f": ("blake2",),
    "point_evaluation": ("point_evaluation", "pointevaluation", "kzg"),
    "bls12_g1add": ("g1add", "g1_add"),
    "bls12_g1msm": ("g1msm", "g1mul", "g1_msm", "g1_mul"),
    "bls12_g2add": ("g2add", "g2_add"),
    "bls12_g2msm": ("g2msm", "g2mul", "g2_msm", "g2_mul"),
    "bls12_pairing": ("bls12_pairing", "pairing_check"),
    "bls12_map_fp_to_g1": ("map_fp_to_g1",),
    "bls12_map_fp2_to_g2": ("map_fp2_to_g2",),
    "p256verify": ("p256", "secp256r1"),
}
"""How a vector's name or tags reveal the precompile it calls."""


@dataclass(frozen=True)
class Vector:
    """One guest input, with the output it must give when that is known."""

    name: str
    input_bytes: bytes
    expected_output: bytes | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    refusal_class: str | None = None
    """Why the block is invalid, where the vector says so."""

    @property
    def outcome(self) -> str:
        """Return valid, invalid, undecodable, or unknown."""
        if self.expected_output is None:
            return "unknown"
        if self.expected_output == bytes(OUTPUT_SIZE):
            return "undecodable"
        if self.expected_output[SUCCESS_BYTE]:
            return "valid"
        return "invalid"

    @cached_property
    def strata(self) -> frozenset[str]:
        """Return the classes this vector stands for in a sample."""
        classes = {f"outcome:{self.outcome}"}
        if self.refusal_class is not None:
            classes.add(f"refusal:{self.refusal_class}")
        head = self.input_bytes[:2]
        if len(head) == 2 and head[0] in FORK_INDICES and head[1] == 0x01:
            classes.add(f"schema:{head.hex()}")
        text = " ".join([self.name.lower(), *sorted(self.tags)])
        for precompile, keywords in PRECOMPILE_KEYWORDS.items():
            if any(keyword in text for keyword in keywords):
                classes.add(f"precompile:{precompile}")
        return frozenset(classes)


@dataclass(frozen=True)
class RunResult:
    """Hold what one run of the guest produced."""

    output: bytes
    exit_status: int
    detail: str = ""


class Runner(Protocol):
    """Run the guest program on input bytes."""

    name: str

    def run(self, input_bytes: bytes) -> RunResult:
        """Run the guest once."""
        ...


class NativeRunner:
    """Run ``guest.run_stateless_guest`` in this process."""

    name = "native"

    def run(self, input_bytes: bytes) -> RunResult:
        """Run the guest; an exception is a failed run, as in the launcher."""
        from guest import run_stateless_guest

        try:
            return RunResult(run_stateless_guest(input_bytes), 0)
        except Exception:
            return RunResult(b"", 1, traceback.format_exc())


def _qemu_guest() -> Any:
    """Import the stdlib-only module that drives qemu-riscv64."""
    tools = str(REPOSITORY / "riscv" / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import qemu_guest

    return qemu_guest


class Riscv64Runner:
    """Run the riscv64 launcher under qemu-user."""

    name = "riscv64"

    def __init__(self, timeout: float | None = 600.0) -> None:
        self.timeout = timeout

    @staticmethod
    def is_available() -> bool:
        """Tell whether scripts/build-riscv has built the launcher."""
        return bool(_qemu_guest().is_built())

    def run(self, input_bytes: bytes) -> RunResult:
        """Run the launcher on the input."""
        run = _qemu_guest().run_guest(input_bytes, timeout=self.timeout)
        return RunResult(run.output, run.exit_status, run.stderr)


RUNNERS: dict[str, Callable[[], Runner]] = {
    "native": NativeRunner,
    "riscv64": Riscv64Runner,
}


def _hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def upstream_vectors(directory: Path) -> Iterator[Vector]:
    """Yield the upstream v21 input/output pairs."""
    cases = json.loads((directory / "zkevm-subset-public.json").read_text())
    for case in cases["cases"]:
        rule = case.get("rule", "")
        yield Vector(
            f"upstream-v21/{case['name']}",
            _hex_bytes(case["statelessInputBytes"]),
            _hex_bytes(case["statelessOutputBytes"]),
            frozenset({rule}),
            None if rule in ("", "valid", "undecodable") else rule,
        )


def multifork_root_vectors(directory: Path) -> Iterator[Vector]:
    """Yield the multi-fork decode/root vectors; rejects must give zeros."""
    for line in (directory / "stateless_ref.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, root, input_hex = line.split()
        expected = bytes(OUTPUT_SIZE) if root == "reject" else None
        yield Vector(f"multifork-roots/{name}", _hex_bytes(input_hex), expected)


def _json_cases(node: Any, path: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        if "statelessInputBytes" in node:
            yield str(node.get("name", path)), node
            return
        for key, value in node.items():
            yield from _json_cases(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _json_cases(value, f"{path}/{index}")


def _case_tags(case: dict) -> frozenset[str]:
    tags: list[str] = []
    for key in ("tags", "precompiles", "rule", "category"):
        value = case.get(key)
        if isinstance(value, str):
            tags.append(value.lower())
        elif isinstance(value, list):
            tags.extend(str(item).lower() for item in value)
    return frozenset(tags)


def project_vectors(directory: Path = PROJECT_VECTORS) -> Iterator[Vector]:
    """Yield the vectors the project keeps in ``vectors/``."""
    if not directory.is_dir():
        return
    for path in sorted(directory.rglob("*.json")):
        relative = path.relative_to(directory).as_posix()
        for name, case in _json_cases(json.loads(path.read_text()), ""):
            output = case.get("statelessOutputBytes")
            yield Vector(
                f"vectors/{relative}:{name}",
                _hex_bytes(case["statelessInputBytes"]),
                _hex_bytes(output) if isinstance(output, str) else None,
                _case_tags(case),
            )
    for path in sorted(directory.rglob("*.input")):
        output_path = path.with_suffix(".output")
        yield Vector(
            f"vectors/{path.relative_to(directory).as_posix()}",
            path.read_bytes(),
            output_path.read_bytes() if output_path.exists() else None,
        )


def shared_vectors(directory: Path = SHARED_VECTORS) -> Iterator[Vector]:
    """Yield the vectors of ``../shared``, if it is there."""
    if (directory / "upstream-v21").is_dir():
        yield from upstream_vectors(directory / "upstream-v21")
    if (directory / "multifork-roots").is_dir():
        yield from multifork_root_vectors(directory / "multifork-roots")


def all_vectors() -> list[Vector]:
    """Return every vector available here, each name once."""
    unique: dict[str, Vector] = {}
    for vector in [*project_vectors(), *shared_vectors()]:
        unique.setdefault(vector.name, vector)
    return list(unique.values())


def _sample_order(vector: Vector) -> str:
    return hashlib.sha256(vector.name.encode()).hexdigest()


def stratified_sample(vectors: list[Vector], size: int) -> list[Vector]:
    """Pick a fixed sample covering every stratum, then fill it evenly."""
    pool = sorted(vectors, key=_sample_order)
    chosen: list[Vector] = []
    uncovered = set().union(*(vector.strata for vector in pool)) if pool else set()
    while uncovered:
        best = max(pool, key=lambda vector: len(vector.strata & uncovered))
        chosen.append(best)
        pool.remove(best)
        uncovered -= best.strata
    groups: dict[frozenset[str], list[Vector]] = {}
    for vector in pool:
        groups.setdefault(vector.strata, []).append(vector)
    while len(chosen) < size and any(groups.values()):
        for members in groups.values():
            if members and len(chosen) < size:
                chosen.append(members.pop(0))
    return chosen
