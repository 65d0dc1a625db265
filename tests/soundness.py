"""
Soundness sweep: a valid input minus any one witness item must be refused.

For an input the guest accepts, remove each state node, each code and each
header in turn. The builder keeps only what the block needs, so every such
input lacks something the block needs: the guest must refuse it, without
raising and without accepting it. An acceptance means either that the
witness was not minimal or that the guest validated without the data, a
refusal named ``INTERNAL_ERROR`` means validation hit an unexpected
exception on the way (reported, but still a refusal).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from guest.host.mutators import with_witness, without_index
from guest.schema import (
    StatelessInput,
    deserialize_stateless_input,
    serialize_stateless_input,
)
from guest.stateless_guest import run_stateless_guest_with_verdict

WITNESS_KINDS = ("state", "codes", "headers")
INTERNAL_ERROR = "StatelessException.INTERNAL_ERROR"


@dataclass
class SoundnessReport:
    """Count what removing single witness items did."""

    refused: Counter[str] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)

    @property
    def removals(self) -> int:
        """Count the removals tried."""
        return sum(self.refused.values()) + len(self.accepted) + len(self.crashed)

    @property
    def sound(self) -> bool:
        """Tell whether every removal was refused without a crash."""
        return not self.accepted and not self.crashed


def single_removals(
    stateless_input: StatelessInput,
) -> Iterator[tuple[str, StatelessInput]]:
    """Yield the input without each one of its witness items."""
    for kind in WITNESS_KINDS:
        items = getattr(stateless_input.witness, kind)
        for index in range(len(items)):
            label = f"{kind}[{index}]"
            yield (
                label,
                with_witness(stateless_input, **{kind: without_index(items, index)}),
            )


def sweep_input(name: str, input_bytes: bytes, report: SoundnessReport) -> None:
    """Try every single removal on one accepted input, adding to the report."""
    stateless_input = deserialize_stateless_input(input_bytes)
    for label, mutated in single_removals(stateless_input):
        where = f"{name} without {label}"
        try:
            verdict = run_stateless_guest_with_verdict(
                serialize_stateless_input(mutated)
            )
        except Exception as error:  # the guest must never raise
            report.crashed.append(f"{where}: {type(error).__name__}: {error}")
            continue
        if verdict.status == "undecodable":
            report.crashed.append(f"{where}: undecodable ({verdict.decode_error})")
        elif verdict.result.successful_validation:
            report.accepted.append(where)
        else:
            assert verdict.refusal is not None
            report.refused[verdict.refusal.reason] += 1
