"""Shared test helpers: the location of ../shared and skipping without it."""

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
UPSTREAM_VECTORS = SHARED / "vectors" / "upstream-v21" / "zkevm-subset-public.json"
MULTIFORK_ROOTS = SHARED / "vectors" / "multifork-roots" / "stateless_ref.txt"


def shared_file(path: Path) -> Path:
    """Return a file of ../shared, or skip the test when it is absent."""
    if not path.exists():
        pytest.skip(
            f"{path} is absent: ../shared (reference data beside the checkout) "
            "is only available on developer machines and in CI"
        )
    return path
