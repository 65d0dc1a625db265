"""Reading and writing guest inputs and outputs on the host.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The command line accepts a binary file, ``-`` for standard input, or a
``.hex`` file (hex digits, an optional ``0x`` prefix, white space ignored).
Every failure is a ``HostInputError`` naming the file and what was wrong.
"""

import json
import sys
from pathlib import Path
from typing import Any

from ..chain_config import ChainConfig, load_chain_config

HEX_SUFFIX = ".hex"
STDIN_NAME = "-"


class HostInputError(Exception):
    """Report a file that the host tools cannot use, and why."""


def parse_hex(text: str, source: str = "input") -> bytes:
    """Decode hex text with an optional ``0x`` prefix, ignoring white space."""
    digits = "".join(text.split())
    if digits[:2] in ("0x", "0X"):
        digits = digits[2:]
    try:
        return bytes.fromhex(digits)
    except ValueError as error:
        raise HostInputError(f"{source}: not valid hex ({error})") from None


def read_input_file(path: str) -> bytes:
    """Read guest bytes from a binary file, a ``.hex`` file, or ``-`` (stdin)."""
    if path == STDIN_NAME:
        return sys.stdin.buffer.read()
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise HostInputError(f"{path}: cannot read ({error.strerror})") from None
    if file.suffix.lower() == HEX_SUFFIX:
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise HostInputError(f"{path}: a .hex file must be ASCII text") from None
        return parse_hex(text, path)
    return data


def write_output_file(path: str, data: bytes) -> None:
    """Write guest bytes to a file, as hex when its name ends in ``.hex``."""
    file = Path(path)
    payload = (
        ("0x" + data.hex() + "\n").encode()
        if file.suffix.lower() == HEX_SUFFIX
        else data
    )
    try:
        file.write_bytes(payload)
    except OSError as error:
        raise HostInputError(f"{path}: cannot write ({error.strerror})") from None


def read_chain_config_file(path: str) -> ChainConfig:
    """Read a chain config: a geth-style genesis JSON or its ``config`` object."""
    try:
        document: Any = json.loads(Path(path).read_text())
    except OSError as error:
        raise HostInputError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise HostInputError(f"{path}: not valid JSON ({error})") from None
    if isinstance(document, dict) and isinstance(document.get("config"), dict):
        document = document["config"]
    if not isinstance(document, dict) or "chainId" not in document:
        raise HostInputError(f"{path}: no chain config object with a chainId")
    try:
        return load_chain_config(document)
    except (KeyError, TypeError, ValueError) as error:
        raise HostInputError(f"{path}: invalid chain config ({error})") from None
