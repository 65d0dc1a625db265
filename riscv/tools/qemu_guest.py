"""
Run the riscv64 guest launcher under qemu-user.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The one place that knows how the RISC-V build is invoked: scripts
(``riscv-run``, ``riscv-cycles``, ``riscv-vectors``) and the test runner all
go through ``run_guest``. Only the standard library is used, so any host
Python can run it.

A run is made reproducible: an empty environment (the launcher reads none of
it anyway, its interpreter runs isolated with a fixed hash seed), address
randomization off (``setarch -R``), a fixed working directory, and bytecode
compiled ahead of time. With ``count_instructions`` the QEMU plugin
``riscv/plugin/insn_count.c`` reports the executed riscv64 instructions, in
total and per phase.
"""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
BUILD_DIRECTORY = Path(
    os.environ.get("RISCV_BUILD_DIR", REPOSITORY / "riscv-build")
).resolve()
ROOTFS = BUILD_DIRECTORY / "rootfs"
LAUNCHER = BUILD_DIRECTORY / "bin" / "guest-riscv64"
PLUGIN = BUILD_DIRECTORY / "lib" / "libinsn_count.so"
BUILD_SCRIPT = REPOSITORY / "scripts" / "build-riscv"
INTERPRETER = ROOTFS / "usr" / "bin" / "python3.13"

PROCESS_START = "process start"
"""The phase before the launcher's first mark: loading and linking."""

METRIC = (
    "riscv64 user-mode instructions executed under qemu-riscv64 "
    "(TCG plugin count; not zkVM cycles)"
)


@dataclass(frozen=True)
class GuestRun:
    """Hold what one launcher run produced."""

    output: bytes
    exit_status: int
    stderr: str
    instructions: int | None = None
    phases: dict[str, int] = field(default_factory=dict)
    """Instructions per phase, in the order the phases started."""


def is_built() -> bool:
    """Tell whether the launcher and its rootfs exist."""
    return LAUNCHER.exists() and INTERPRETER.exists()


def ensure_built(with_plugin: bool = False) -> None:
    """Build (or bring up to date) the RISC-V guest; raise if that fails."""
    command = [str(BUILD_SCRIPT)] + (["--plugin"] if with_plugin else [])
    subprocess.run(command, check=True)


def qemu_version() -> str:
    """Return the first line of ``qemu-riscv64 --version``."""
    answer = subprocess.run(
        ["qemu-riscv64", "--version"], capture_output=True, text=True, check=True
    )
    return answer.stdout.splitlines()[0]


def compile_guest(directory: Path) -> None:
    """Precompile the guest's bytecode with the riscv64 interpreter."""
    subprocess.run(
        qemu_command(INTERPRETER)
        + ["-m", "compileall", "-q", str(directory / "guest")],
        env=guest_environment({}),
        check=True,
        capture_output=True,
    )


def snapshot_guest(destination: Path) -> Path:
    """Copy the guest package alone, so that counts ignore the checkout."""
    target = destination / "guest"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        REPOSITORY / "guest",
        target,
        ignore=shutil.ignore_patterns("__pycache__", "host"),
    )
    compile_guest(destination)
    return destination


def qemu_command(program: Path, plugin_arguments: str | None = None) -> list[str]:
    """Return the command that runs a riscv64 program without randomization."""
    command = ["setarch", "-R", "qemu-riscv64", "-L", str(ROOTFS)]
    if plugin_arguments is not None:
        command += ["-plugin", f"{PLUGIN},{plugin_arguments}"]
    return command + [str(program)]


def guest_environment(extra: dict[str, str]) -> dict[str, str]:
    """Return the fixed environment every run gets."""
    return {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", **extra}


def run_guest(
    input_bytes: bytes,
    count_instructions: bool = False,
    guest_path: Path | None = None,
    entry: str | None = None,
    accelerators: bool = True,
    timeout: float | None = None,
) -> GuestRun:
    """Run the launcher on one input and collect its output."""
    extra: dict[str, str] = {}
    if guest_path is not None:
        extra["ZKVM_GUEST_PATH"] = str(guest_path)
    if entry is not None:
        extra["ZKVM_ENTRY"] = entry
    if not accelerators:
        extra["ZKVM_ACCELERATORS"] = "0"
    with tempfile.TemporaryDirectory(prefix="riscv-run-") as scratch:
        report = Path(scratch) / "counts.json"
        plugin = f"out={report}" if count_instructions else None
        process = subprocess.run(
            qemu_command(LAUNCHER, plugin),
            input=input_bytes,
            capture_output=True,
            env=guest_environment(extra),
            cwd=BUILD_DIRECTORY,
            timeout=timeout,
        )
        counts = json.loads(report.read_text()) if count_instructions else None
    stderr = process.stderr.decode("utf-8", "replace")
    if counts is None:
        return GuestRun(process.stdout, process.returncode, stderr)
    return GuestRun(
        process.stdout,
        process.returncode,
        stderr,
        counts["instructions"],
        phase_counts(counts),
    )


def phase_counts(report: dict) -> dict[str, int]:
    """Turn the plugin's marks into instructions per phase."""
    phases: dict[str, int] = {}
    name, start = PROCESS_START, 0
    for mark in report["marks"]:
        phases[name] = phases.get(name, 0) + mark["at"] - start
        name, start = mark["name"], mark["at"]
    phases[name] = phases.get(name, 0) + report["instructions"] - start
    return phases
