"""Where a sharded archive's shards live, which shard each file goes to, and its manifest.

A sharded archive is an index directory whose metadata file (store.py) names a shard set as
its current generation, "g2" say, and gives its number of shards. The set is a directory
beside the metadata file:

    g2.shards/
      shards.json     the manifest: format version, the assignment rule, and each shard's
                      path, generation, table-of-contents version and article count;
                      written last by every run that changes the archive, atomically
      s0/ s1/ ...     each shard an index directory of its own (store.IndexDir)

A file goes to the shard its path's hash names (`shard_of`), so a run that changes a few
files touches only their shards, and a file is in the same shard run after run. A rebuild
(or another number of shards) builds a new set beside the old one and switches the
metadata file to it, as a rebuild of one index does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..atomic import write_atomic
from ..errors import IndexCorruptError

MANIFEST = "shards.json"
FORMAT = "archive-search-shards"
VERSION = 1
RULE = "blake2b-64 of the file's absolute path (UTF-8), big-endian, modulo the number of shards"
SET_SUFFIX = ".shards"
# The most shards an archive may have: a shard is a process or a task at build time, and a
# few hundred segments' readers at search time.
MAX_SHARDS = 1024
_SHARD_NAME = re.compile(r"s(0|[1-9][0-9]{0,3})")


def shard_of(path: str, count: int) -> int:
    """The shard a file goes to: the same path, the same shard, on any machine and Python."""
    if count <= 1:
        return 0
    digest = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def set_dir(index_path: Path, generation: str) -> Path:
    return index_path / f"{generation}{SET_SUFFIX}"


def shard_name(number: int) -> str:
    return f"s{number}"


def is_shard_name(name: str) -> bool:
    return bool(_SHARD_NAME.fullmatch(name))


@dataclass(frozen=True)
class Member:
    """One shard as the manifest lists it."""

    path: str  # relative to the set's directory
    generation: str | None = None  # the shard's own current generation
    toc: int | None = None  # its table of contents' version when the manifest was written
    articles: int = 0


@dataclass(frozen=True)
class Manifest:
    count: int
    members: tuple[Member, ...]
    updated: str = ""

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "shards": self.count,
            "rule": RULE,
            "members": [
                {"path": m.path, "generation": m.generation, "toc": m.toc, "articles": m.articles} for m in self.members
            ],
            "updated": self.updated,
        }


def empty_manifest(count: int) -> Manifest:
    return Manifest(count, tuple(Member(shard_name(k)) for k in range(count)))


def write_manifest(directory: Path, manifest: Manifest) -> None:
    stamped = Manifest(manifest.count, manifest.members, datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_atomic(directory / MANIFEST, (json.dumps(stamped.to_dict(), indent=2) + "\n").encode("utf-8"))


def read_manifest(directory: Path, index_path: Path, count: int) -> Manifest:
    """The manifest of a shard set (`count`: the number the metadata file gives); raises
    IndexCorruptError naming what is wrong."""
    where = str(index_path)
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(where, f"the shard manifest {directory.name}/{MANIFEST} is missing") from None
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(where, f"cannot read {directory.name}/{MANIFEST}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise IndexCorruptError(where, f"{directory.name}/{MANIFEST} is not a shard manifest this version reads")
    if data.get("shards") != count or data.get("rule") != RULE:
        raise IndexCorruptError(where, f"{directory.name}/{MANIFEST} does not match the index's metadata")
    members = data.get("members")
    if not isinstance(members, list) or len(members) != count:
        raise IndexCorruptError(where, f"{directory.name}/{MANIFEST} lists {len(members or [])} of {count} shards")
    listed = []
    for number, entry in enumerate(members):
        if not isinstance(entry, dict) or entry.get("path") != shard_name(number):
            raise IndexCorruptError(where, f"{directory.name}/{MANIFEST}: shard {number} is not {shard_name(number)}")
        listed.append(Member(entry["path"], entry.get("generation"), entry.get("toc"), int(entry.get("articles") or 0)))
    return Manifest(count, tuple(listed), str(data.get("updated", "")))


def shard_paths(directory: Path, count: int) -> list[Path]:
    return [directory / shard_name(k) for k in range(count)]


def check_count(count: int) -> int:
    """A number of shards as given (--shards), or UsageError saying what is allowed."""
    if type(count) is not int or not 1 <= count <= MAX_SHARDS:
        from ..errors import UsageError

        raise UsageError(f"the number of shards must be 1 to {MAX_SHARDS}, not {count!r}")
    return count
