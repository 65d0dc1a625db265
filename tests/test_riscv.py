"""
The riscv64 build gives the same bytes as the native guest.

A fixed, stratified sample of the vectors (every schema id, outcome class,
refusal class and precompile that the pool has) runs through the riscv64
launcher under qemu-user and in-process; the outputs and exit statuses must
be identical, whatever the guest answers. The launcher's accelerators are
checked against the host's libraries, and its termination rule directly.

Without a riscv64 build (scripts/build-riscv) these tests skip, unless
STATELESS_GUEST_RISCV=1 demands the build (riscv/ci-riscv.sh builds first
and sets it). The sample takes minutes under emulation, so without that
variable its comparisons are marked slow (run them with ``-m slow``).
"""

import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from runners import (
    SHARED,
    NativeRunner,
    Riscv64Runner,
    RunResult,
    Vector,
    all_vectors,
    stratified_sample,
)

pytestmark = pytest.mark.riscv

SAMPLE_SIZE = 30
"""At least this many; more when covering every stratum takes more."""
RISCV_REQUIRED = os.environ.get("STATELESS_GUEST_RISCV") == "1"
PARALLEL_RUNS = 2
"""qemu-user runs one guest per core; CI machines have two."""

VECTORS = all_vectors()
SAMPLE = stratified_sample(VECTORS, SAMPLE_SIZE)


def require_riscv_build() -> None:
    """Skip (or, when CI demands the build, fail) without a riscv64 build."""
    if Riscv64Runner.is_available():
        return
    message = "riscv64 build absent: run scripts/build-riscv"
    if RISCV_REQUIRED:
        pytest.fail(f"{message} (STATELESS_GUEST_RISCV=1 requires it)")
    pytest.skip(message)


def require_vectors() -> None:
    """Skip when there is nothing to run."""
    if not VECTORS:
        pytest.skip(f"no vectors: {SHARED} is absent and vectors/ is empty")


@pytest.fixture(scope="module")
def riscv64_results() -> dict[str, RunResult]:
    """Run the whole sample on riscv64 once, two guests at a time."""
    require_vectors()
    require_riscv_build()
    runner = Riscv64Runner()
    # Precompile vectors can take minutes under emulation: start them first.
    ordered = sorted(SAMPLE, key=lambda vector: not _calls_precompiles(vector))
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        results = pool.map(lambda vector: runner.run(vector.input_bytes), ordered)
        return dict(zip((vector.name for vector in ordered), results, strict=True))


def _calls_precompiles(vector: Vector) -> bool:
    return any(stratum.startswith("precompile:") for stratum in vector.strata)


def test_sample_covers_every_stratum() -> None:
    require_vectors()
    pool_strata = set().union(*(vector.strata for vector in VECTORS))
    sample_strata = set().union(*(vector.strata for vector in SAMPLE))
    assert sample_strata == pool_strata
    assert len(SAMPLE) >= min(SAMPLE_SIZE, len(VECTORS))
    assert len({vector.name for vector in SAMPLE}) == len(SAMPLE)
    if len(VECTORS) >= 30:
        outcomes = {vector.outcome for vector in SAMPLE}
        assert {"valid", "invalid", "undecodable"} <= outcomes


def test_sample_is_fixed() -> None:
    require_vectors()
    again = stratified_sample(list(reversed(VECTORS)), SAMPLE_SIZE)
    assert [vector.name for vector in again] == [vector.name for vector in SAMPLE]


SAMPLE_MARKS = [] if RISCV_REQUIRED else [pytest.mark.slow]


@pytest.mark.parametrize(
    "vector",
    [pytest.param(vector, id=vector.name, marks=SAMPLE_MARKS) for vector in SAMPLE],
)
def test_riscv64_matches_native(
    vector: Vector, riscv64_results: dict[str, RunResult]
) -> None:
    riscv64 = riscv64_results[vector.name]
    native = NativeRunner().run(vector.input_bytes)
    assert riscv64.exit_status == native.exit_status, riscv64.detail
    assert riscv64.output.hex() == native.output.hex()
    assert len(riscv64.output) == 43 or riscv64.exit_status != 0


def _signed_records(generator: random.Random) -> tuple[bytes, bytes]:
    """Build probe records and the answers the host's libraries give."""
    import coincurve
    from Crypto.Hash import keccak

    def host_keccak(data: bytes) -> bytes:
        return keccak.new(digest_bits=256, data=data).digest()

    def host_recover(msg: bytes, signature: bytes, recid: int) -> bytes:
        try:
            key = coincurve.PublicKey.from_signature_and_message(
                signature + bytes([recid]), msg, hasher=None
            )
        except Exception:
            return b"\x00" + bytes(64)
        return b"\x01" + key.format(compressed=False)[1:]

    records, answers = [], []
    for length in (0, 1, 135, 136, 137, 272, 1000):
        data = generator.randbytes(length)
        records.append(b"\x00" + length.to_bytes(4, "little") + data)
        answers.append(host_keccak(data))
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    for index in range(6):
        msg = generator.randbytes(32)
        private_key = coincurve.PrivateKey(generator.randbytes(32))
        recoverable = private_key.sign_recoverable(msg, hasher=None)
        signature, recid = recoverable[:64], recoverable[64]
        if index == 5:
            signature = signature[:32] + order.to_bytes(32, "big")  # s = n
        records.append(b"\x01" + msg + signature + bytes([recid]))
        answers.append(host_recover(msg, signature, recid))
    raw_cases = [
        (generator.randbytes(32), generator.randbytes(64), 0),
        (generator.randbytes(32), generator.randbytes(64), 1),
        (generator.randbytes(32), generator.randbytes(64), 2),
        (generator.randbytes(32), bytes(64), 0),
        (generator.randbytes(32), b"\xff" * 64, 1),
    ]
    for msg, signature, recid in raw_cases:
        records.append(b"\x02" + msg + signature + bytes([recid]))
        answers.append(host_recover(msg, signature, recid))
    return b"".join(records), b"".join(answers)


def _kzg_records(generator: random.Random) -> tuple[bytes, bytes]:
    """Build KZG probe records and the answers ckzg gives."""
    import ckzg
    from eth.precompiles.point_evaluation import TRUSTED_SETUP_PATH

    setup = ckzg.load_trusted_setup(TRUSTED_SETUP_PATH, 0)
    modulus = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

    def field_element() -> bytes:
        return (generator.getrandbits(256) % modulus).to_bytes(32, "big")

    blob = b"".join(field_element() for _ in range(4096))
    commitment = ckzg.blob_to_kzg_commitment(blob, setup)
    z = field_element()
    proof, y = ckzg.compute_kzg_proof(blob, z, setup)
    wrong_y = ((int.from_bytes(y, "big") + 1) % modulus).to_bytes(32, "big")
    infinity = b"\xc0" + bytes(47)
    cases = [
        (commitment, z, y, proof),
        (commitment, z, wrong_y, proof),
        (proof, z, y, commitment),
        (commitment, modulus.to_bytes(32, "big"), y, proof),
        (commitment, z, b"\xff" * 32, proof),
        (generator.randbytes(48), z, y, proof),
        (commitment, z, y, b"\x80" + bytes(47)),
        (infinity, z, bytes(32), infinity),
    ]
    records, answers = [], []
    for case in cases:
        records.append(b"\x03" + b"".join(case))
        try:
            answers.append(b"\x02" if ckzg.verify_kzg_proof(*case, setup) else b"\x01")
        except RuntimeError:
            answers.append(b"\x00")
    return b"".join(records), b"".join(answers)


def _qemu_guest_run(input_bytes: bytes, entry: str) -> RunResult:
    from runners import REPOSITORY, _qemu_guest

    run = _qemu_guest().run_guest(
        input_bytes,
        guest_path=f"{REPOSITORY / 'riscv' / 'probe'}:{REPOSITORY}",
        entry=entry,
    )
    return RunResult(run.output, run.exit_status, run.stderr)


def test_accelerators_match_host_libraries() -> None:
    require_riscv_build()
    generator = random.Random(20261125)
    signed_records, signed_answers = _signed_records(generator)
    kzg_records, kzg_answers = _kzg_records(generator)
    records, answers = signed_records + kzg_records, signed_answers + kzg_answers
    assert set(kzg_answers) == {0, 1, 2}  # rejected, false and true all occur
    result = _qemu_guest_run(records, "accelerator_probe:hash_and_recover")
    assert result.exit_status == 0, result.detail
    assert result.output.hex() == answers.hex()


def test_uncaught_exception_is_a_failed_run() -> None:
    require_riscv_build()
    result = _qemu_guest_run(b"", "accelerator_probe:fail")
    assert result.exit_status != 0
    assert result.output == b""
    assert "deliberate failure" in result.detail
