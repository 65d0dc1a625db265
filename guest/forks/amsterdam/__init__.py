"""
Amsterdam fork rules on py-evm.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

Amsterdam (Glamsterdam) as executed by the ``tests-zkevm@v21.0.1`` fixtures:
the 23-field header, block-level access lists, two-dimensional gas, builder
requests and the rest, layered on py-evm by subclassing. See
``spec/amsterdam.md`` for what changed and where it lives.
"""

from .vm import AmsterdamVM

__all__ = ["AmsterdamVM"]
