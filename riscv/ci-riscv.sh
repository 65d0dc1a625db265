#!/usr/bin/env bash
# CI: build the riscv64 guest from scratch, then run the stratified
# riscv64-vs-native sample (tests/test_riscv.py). Called from .ci/run.
#
# Needs: root (apt-get for qemu-user and the riscv64 cross compiler, when
# missing), Debian's archive and PyPI. Everything it builds or downloads
# stays in riscv-build/ (pip runs without a cache). PYTHON is the project's
# interpreter (default: python3), which runs pytest and the native guest.
# Measured on the 2-core machine: see spec/riscv.md ("CI").
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
started=$(date +%s)
scripts/build-riscv
built=$(date +%s)
echo "ci-riscv: build took $((built - started)) s"
STATELESS_GUEST_RISCV=1 "$PYTHON" -m pytest -q -p no:cacheprovider tests/test_riscv.py
echo "ci-riscv: riscv64 sample took $(( $(date +%s) - built )) s"
