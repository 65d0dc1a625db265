"""
Blob-parameter-only forks: Osaka rules with larger blob schedules.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

BPO1 and BPO2 change nothing but the blob schedule ([EIP-7892]): target, max
and base fee update fraction. The per-transaction blob limit stays six.
"""

from typing import ClassVar

from ..chain_config import BPO1_BLOB_SCHEDULE, BPO2_BLOB_SCHEDULE, BlobSchedule
from .osaka import OsakaState, OsakaVM


class BPO1State(OsakaState):
    """Osaka state with the BPO1 blob price."""

    blob_schedule: ClassVar[BlobSchedule] = BPO1_BLOB_SCHEDULE


class BPO1VM(OsakaVM):
    """Osaka rules with the BPO1 blob schedule."""

    fork = "bpo1"
    _state_class = BPO1State
    blob_schedule: ClassVar[BlobSchedule] = BPO1_BLOB_SCHEDULE


class BPO2State(OsakaState):
    """Osaka state with the BPO2 blob price."""

    blob_schedule: ClassVar[BlobSchedule] = BPO2_BLOB_SCHEDULE


class BPO2VM(OsakaVM):
    """Osaka rules with the BPO2 blob schedule (Amsterdam's base)."""

    fork = "bpo2"
    _state_class = BPO2State
    blob_schedule: ClassVar[BlobSchedule] = BPO2_BLOB_SCHEDULE
