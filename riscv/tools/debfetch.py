#!/usr/bin/env python3
"""
Fetch Debian riscv64 packages into a root directory, verified.

.. contents:: Table of Contents
    :backlinks: none
    :local:

Introduction
------------

The RISC-V build runs Debian 13's riscv64 CPython under ``qemu-riscv64``.
No apt state is needed: this tool reads the suite's signed ``InRelease``,
its ``Packages`` index, and a lock file that names every ``.deb`` with its
SHA-256, then downloads and unpacks them with ``dpkg-deb -x``.

Two commands:

``lock``
    Resolve the dependency closure of the root packages from the index and
    write the lock file. Run it when the archive moves on (a point release
    removes superseded files from the pool).

``archive``
    Print the Debian archive URL that the host's apt uses.

``fetch``
    Download the locked ``.deb`` files, check each against the lock and,
    when the index matches the signed ``InRelease``, check the lock against
    the index; then unpack them into the root directory.

Trust: ``InRelease`` must carry a good signature from the Debian archive
keyring. The index is used only when its hash matches ``InRelease``; when the
mirror serves an index that does not match (seen for trixie riscv64), the
lock's pinned hashes are the only check, and the tool says so.

Only the standard library is used; the host's Python runs it.
"""

import argparse
import hashlib
import lzma
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ARCHIVE_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SOURCES_DIRECTORY = Path("/etc/apt/sources.list.d")
SOURCES_LIST = Path("/etc/apt/sources.list")
DOWNLOAD_TIMEOUT = 60

# Packages that only matter to a running Debian system, never to an
# extracted interpreter.
SKIPPED_PACKAGES = frozenset(
    {
        "debconf",
        "perl-base",
        "dpkg",
        "install-info",
        "tzdata",
        "media-types",
        "mime-support",
        "readline-common",
        "netbase",
        "ca-certificates",
    }
)


class FetchError(Exception):
    """Report a failure that stops the build, with what to do about it."""


@dataclass(frozen=True)
class LockedPackage:
    """Pin one ``.deb`` file of the archive's pool."""

    name: str
    version: str
    sha256: str
    size: int
    filename: str

    def line(self) -> str:
        """Render the lock file line."""
        return f"{self.name} {self.version} {self.sha256} {self.size} {self.filename}"


def default_archive() -> str:
    """Return ``DEBIAN_ARCHIVE``, or the Debian archive the host's apt uses."""
    if os.environ.get("DEBIAN_ARCHIVE"):
        return os.environ["DEBIAN_ARCHIVE"]
    stanzas: list[str] = []
    for path in sorted(SOURCES_DIRECTORY.glob("*.sources")):
        stanzas.extend(path.read_text().split("\n\n"))
    for stanza in stanzas:
        fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line)
        suites = fields.get("Suites", "").split()
        keyring = fields.get("Signed-By", "")
        if "debian-archive-keyring" in keyring and any(
            "-" not in suite for suite in suites
        ):
            return fields["URIs"].split()[0].strip()
    if SOURCES_LIST.exists():
        for line in SOURCES_LIST.read_text().splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] == "deb" and "security" not in line:
                return words[1]
    raise FetchError("no Debian archive in the host's apt sources; set DEBIAN_ARCHIVE")


def download(url: str) -> bytes:
    """Download one URL, naming the archive when it cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise FetchError(
            f"the Debian archive answered {error.code} for {url}"
        ) from error
    except (urllib.error.URLError, OSError) as error:
        raise FetchError(f"cannot reach the Debian archive ({url}): {error}") from error


def verified_release(archive: str, suite: str, work: Path) -> str:
    """Download ``InRelease`` and return its text once its signature is good."""
    path = work / f"{suite}-InRelease"
    path.write_bytes(download(f"{archive}/dists/{suite}/InRelease"))
    check = subprocess.run(
        ["gpgv", "--keyring", ARCHIVE_KEYRING, str(path)],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise FetchError(f"bad signature on {suite} InRelease:\n{check.stderr}")
    return path.read_text()


def index_hash(release: str, member: str) -> str | None:
    """Return the SHA-256 that ``InRelease`` lists for an index file."""
    in_sha256 = False
    for line in release.splitlines():
        if not line.startswith(" "):
            in_sha256 = line.startswith("SHA256:")
            continue
        words = line.split()
        if in_sha256 and len(words) == 3 and words[2] == member:
            return words[0]
    return None


def fetch_index(
    archive: str, suite: str, arch: str, release: str, work: Path
) -> tuple[str, bool]:
    """Return the ``Packages`` text and whether it matches ``InRelease``."""
    member = f"main/binary-{arch}/Packages.xz"
    compressed = download(f"{archive}/dists/{suite}/{member}")
    (work / f"{suite}-{arch}-Packages.xz").write_bytes(compressed)
    matches = hashlib.sha256(compressed).hexdigest() == index_hash(release, member)
    return lzma.decompress(compressed).decode("utf-8", "replace"), matches


def parse_index(text: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Return the index's stanzas by package name, and who provides what."""
    packages: dict[str, dict[str, str]] = {}
    providers: dict[str, str] = {}
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line[:1] not in (" ", "\t") and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        name = fields.get("Package")
        if name is None:
            continue
        packages[name] = fields
        for provided in fields.get("Provides", "").split(","):
            provided_name = provided.strip().split(" ")[0]
            if provided_name:
                providers.setdefault(provided_name, name)
    return packages, providers


def dependency_groups(fields: dict[str, str]) -> list[list[str]]:
    """Return the package's hard dependencies as lists of alternatives."""
    groups = []
    for key in ("Pre-Depends", "Depends"):
        for group in fields.get(key, "").split(","):
            if group.strip():
                groups.append(
                    [
                        re.sub(r"[ (\[].*", "", alternative.strip()).split(":")[0]
                        for alternative in group.split("|")
                    ]
                )
    return groups


def resolve(
    roots: list[str],
    packages: dict[str, dict[str, str]],
    providers: dict[str, str],
) -> list[str]:
    """Return the dependency closure, first satisfiable alternative wins."""

    def real_name(name: str) -> str | None:
        if name in SKIPPED_PACKAGES:
            return None
        if name in packages:
            return name
        return providers.get(name)

    chosen: list[str] = []
    queue = list(roots)
    while queue:
        name = real_name(queue.pop(0))
        if name is None or name in chosen:
            continue
        chosen.append(name)
        for alternatives in dependency_groups(packages[name]):
            if any(real_name(a) in chosen for a in alternatives):
                continue
            if any(a in SKIPPED_PACKAGES for a in alternatives):
                continue
            picked = next((real_name(a) for a in alternatives if real_name(a)), None)
            if picked is None:
                raise FetchError(f"{name}: cannot satisfy {' | '.join(alternatives)}")
            queue.append(picked)
    return chosen


def read_lock(path: Path) -> list[LockedPackage]:
    """Read the lock file."""
    locked = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version, sha256, size, filename = line.split()
            locked.append(LockedPackage(name, version, sha256, int(size), filename))
    return locked


def command_lock(args: argparse.Namespace) -> None:
    """Resolve the root packages and write the lock file."""
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    release = verified_release(args.archive, args.suite, work)
    text, matches = fetch_index(args.archive, args.suite, args.arch, release, work)
    if not matches:
        print(
            f"debfetch: WARNING: {args.suite}/{args.arch} Packages.xz does not "
            "match the signed InRelease; the lock records the served index",
            file=sys.stderr,
        )
    packages, providers = parse_index(text)
    lines = [
        f"# Debian {args.suite} {args.arch} packages of the RISC-V build.",
        f"# Roots: {' '.join(args.packages)}",
        "# Regenerate: scripts/build-riscv --relock",
        "# package version sha256 size pool-path",
    ]
    for name in resolve(args.packages, packages, providers):
        fields = packages[name]
        lines.append(
            LockedPackage(
                name,
                fields["Version"],
                fields["SHA256"],
                int(fields["Size"]),
                fields["Filename"],
            ).line()
        )
    Path(args.lock).write_text("\n".join(lines) + "\n")
    print(f"debfetch: locked {len(lines) - 4} packages in {args.lock}")


def check_lock_against_index(
    locked: list[LockedPackage], packages: dict[str, dict[str, str]]
) -> list[str]:
    """Return the lock entries that the verified index contradicts."""
    stale = []
    for package in locked:
        fields = packages.get(package.name, {})
        if (fields.get("Filename"), fields.get("SHA256")) != (
            package.filename,
            package.sha256,
        ):
            stale.append(package.name)
    return stale


def command_fetch(args: argparse.Namespace) -> None:
    """Download, verify and unpack the locked packages."""
    work = Path(args.work)
    cache = work / "debs"
    cache.mkdir(parents=True, exist_ok=True)
    locked = read_lock(Path(args.lock))
    release = verified_release(args.archive, args.suite, work)
    text, matches = fetch_index(args.archive, args.suite, args.arch, release, work)
    if matches:
        packages, _ = parse_index(text)
        stale = check_lock_against_index(locked, packages)
        if stale:
            raise FetchError(
                "the signed index no longer lists these locked files: "
                f"{' '.join(stale)}; run scripts/build-riscv --relock"
            )
        print("debfetch: index matches the signed InRelease; lock verified")
    else:
        print(
            f"debfetch: WARNING: the archive serves a {args.suite}/{args.arch} "
            "index that does not match its signed InRelease; checking the "
            ".deb files against the hashes pinned in the lock only",
            file=sys.stderr,
        )
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    total = 0
    for package in locked:
        path = cache / Path(package.filename).name
        if not path.exists() or sha256_of(path) != package.sha256:
            try:
                data = download(f"{args.archive}/{package.filename}")
            except FetchError as error:
                raise FetchError(
                    f"{error}\n(if the pool dropped {package.name} "
                    f"{package.version}, run scripts/build-riscv --relock)"
                ) from error
            if hashlib.sha256(data).hexdigest() != package.sha256:
                raise FetchError(f"{package.filename}: SHA-256 differs from the lock")
            path.write_bytes(data)
        total += package.size
        subprocess.run(["dpkg-deb", "-x", str(path), str(root)], check=True)
    for directory in ("bin", "sbin", "lib"):
        link = root / directory
        if not link.exists():
            link.symlink_to(f"usr/{directory}")
    print(f"debfetch: unpacked {len(locked)} packages ({total / 1e6:.1f} MB)")


def sha256_of(path: Path) -> str:
    """Return a file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("command", choices=("lock", "fetch", "archive"))
    parser.add_argument("packages", nargs="*", help="root packages (lock)")
    parser.add_argument("--archive", default=None)
    parser.add_argument("--suite", default="trixie")
    parser.add_argument("--arch", default="riscv64")
    parser.add_argument("--lock")
    parser.add_argument("--work", help="download cache")
    parser.add_argument("--root", help="directory to unpack into (fetch)")
    args = parser.parse_intermixed_args()
    try:
        args.archive = (args.archive or default_archive()).rstrip("/")
        if args.command == "archive":
            print(args.archive)
        elif args.command == "lock":
            command_lock(args)
        else:
            command_fetch(args)
    except FetchError as error:
        sys.exit(f"debfetch: FAILED: {error}")


if __name__ == "__main__":
    main()
