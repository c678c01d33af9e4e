"""Files: every file regup writes goes through a temporary file and a rename, and every
input file someone else wrote is read with bounds (:func:`read_input_file`).

Readers see the old file or the new one, never a part; a failed write leaves the previous
content in place.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

#: The suffix of a temporary file: ``.<name>.<pid>.tmp`` beside the file it becomes.
_TMP_SUFFIX = ".{pid}.tmp"
#: A temporary file of this module.
_DEBRIS = re.compile(r"^\..+\.(\d+)\.tmp$")
#: The rule id of an input file that is a symlink out of the registry folder.
SYMLINK_OUTSIDE = "symlink-outside"


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a part. ``durable`` also flushes the
    file to disk before the rename (hand-written registry files); build outputs, which can
    be rebuilt, skip it because thousands of fsyncs dominate a large build. An existing
    file keeps its permission bits, and a symlink is written through (its target gets the
    new content; the link stays a link). Temporary files that killed writes of the same
    file left beside it are removed. Raises OSError; the previous file stays intact on
    failure.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    for left in debris(target.parent, depth=0):
        if left.name.rsplit(".", 2)[0] == f".{target.name}":
            with contextlib.suppress(FileNotFoundError):
                left.unlink()
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    for _ in write_outputs(
        target.parent, {target.name: data}, [target.name], durable=durable, mode=mode
    ):
        pass


def write_outputs(
    out_dir: Path,
    artifacts: Mapping[str, bytes],
    paths: Iterable[str],
    *,
    durable: bool = False,
    mode: int | None = None,
) -> Iterator[str]:
    """Write each of ``paths`` (keys of ``artifacts``) under ``out_dir`` as
    :func:`write_atomic` does (not ``durable`` unless asked: build outputs can be rebuilt);
    yields each path once its file is in place.

    Plain ``os`` calls, and every folder made once: for tens of thousands of files, Python's
    file objects and a ``stat`` of the folder per file cost more than the writing. Raises
    OSError with the file's path in ``filename``; that file keeps its previous content.
    """
    made: set[str] = set()
    suffix = _TMP_SUFFIX.format(pid=os.getpid())
    root = os.fspath(out_dir)
    for rel in paths:
        target = f"{root}/{rel}"
        folder, _, name = target.rpartition("/")
        tmp = f"{folder}/.{name}{suffix}"
        try:
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                if mode is not None:
                    os.fchmod(fd, mode)
                view = memoryview(artifacts[rel])
                while view:
                    view = view[os.write(fd, view) :]
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                exc.filename = target
            raise
        yield rel


def stale_files(out_dir: Path, artifacts: Mapping[str, bytes]) -> list[str]:
    """Artifacts whose file in ``out_dir`` is missing or has other bytes."""
    stale = []
    for rel, data in sorted(artifacts.items()):
        target = out_dir / rel
        try:
            if target.read_bytes() != data:
                stale.append(rel)
        except OSError:
            stale.append(rel)
    return stale


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (so its temporary files may still be in use)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, and belongs to someone else
    return True


def debris(root: Path, *, depth: int | None = None) -> list[Path]:
    """Temporary files and folders (``.<name>.<pid>.tmp``) that an interrupted regup left
    under ``root`` (``depth``: how many folder levels down to look; None: all), sorted.

    Files of a process that still runs are not debris: it may be writing them now.
    """
    found: list[Path] = []

    def walk(folder: str, level: int) -> None:
        try:
            listing = list(os.scandir(folder))
        except OSError:
            return
        for item in listing:
            match = _DEBRIS.match(item.name)
            if match and not _alive(int(match.group(1))):
                found.append(Path(item.path))  # a file, or a folder :func:`replace_folder` made
            elif item.is_dir(follow_symlinks=False) and (depth is None or level < depth):
                walk(item.path, level + 1)

    walk(os.fspath(root), 0)
    return sorted(found)


def remove_debris(root: Path, *, depth: int | None = None) -> list[Path]:
    """Remove what :func:`debris` finds; returns the files removed."""
    removed = []
    for path in debris(root, depth=depth):
        with contextlib.suppress(FileNotFoundError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


#: ``renameat2`` flag: swap two paths in one step (Linux 3.15+, most local file systems).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: str, second: str) -> bool:
    """Swap two existing paths atomically; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False  # not Linux, or a C library without renameat2
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system without exchange (some network and FUSE ones)
    raise OSError(err, os.strerror(err), first)


def replace_folder(
    folder: Path, files: Mapping[str, bytes], keep: Callable[[str], bool] = lambda rel: False
) -> None:
    """Make ``folder`` hold exactly ``files`` (paths relative to it), swapped in whole.

    The new folder is written aside (``.<name>.<pid>.tmp`` beside it) and exchanged with
    the old one in one rename, so a reader, or a run killed at any moment, sees the old
    folder or the new one and never a mix. Files of the old folder for which ``keep``
    is true (files regup did not write) are carried over. Where the file system cannot
    exchange, the old folder is moved aside first: killed between the two renames, the
    folder is missing until the next run, never mixed. Raises OSError with the path.
    """
    parent, name = os.fspath(folder.parent), folder.name
    aside = f"{parent}/.{name}{_TMP_SUFFIX.format(pid=os.getpid())}"
    shutil.rmtree(aside, ignore_errors=True)
    os.makedirs(aside)
    try:
        for _ in write_outputs(Path(aside), files, files):
            pass
        old = os.fspath(folder)
        if os.path.isdir(old) and not os.path.islink(old):
            for rel in _tree(old):
                if rel not in files and keep(rel):
                    os.makedirs(os.path.dirname(f"{aside}/{rel}"), exist_ok=True)
                    shutil.copy2(f"{old}/{rel}", f"{aside}/{rel}")
            if not _exchange(aside, old):
                gone = f"{parent}/.{name}-old{_TMP_SUFFIX.format(pid=os.getpid())}"
                os.rename(old, gone)
                try:
                    os.rename(aside, old)
                except OSError:
                    os.rename(gone, old)  # put the old folder back
                    raise
                aside = gone
        else:
            os.rename(aside, old)
            return
    finally:
        shutil.rmtree(aside, ignore_errors=True)  # the old folder, or a new one not swapped in


def _tree(root: str, prefix: str = "") -> Iterator[str]:
    """Paths of the files under ``root``, relative to it."""
    with os.scandir(root) as listing:
        for item in listing:
            if item.is_dir(follow_symlinks=False):
                yield from _tree(item.path, f"{prefix}{item.name}/")
            else:
                yield prefix + item.name


def scratch_prefix(name: str) -> str:
    """The prefix of a scratch folder of this process (``<name>-<pid>-``), which
    :func:`remove_stale_scratch` recognises once the process is gone."""
    return f"{name}-{os.getpid()}-"


def remove_stale_scratch(folder: str, name: str) -> None:
    """Delete the scratch folders ``<name>-<pid>-*`` in ``folder`` whose process is gone
    (a killed build leaves its scratch folder behind; it can be tens of MB in memory)."""
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)-")
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return
    for item in listing:
        match = pattern.match(item.name)
        if match and item.is_dir(follow_symlinks=False) and not _alive(int(match.group(1))):
            shutil.rmtree(item.path, ignore_errors=True)


class UnsafeFileError(Exception):
    """An input file that regup will not read; ``rule`` is the diagnostic's rule id.

    The message never quotes the target of a symlink or anything of the file's content.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def read_input_file(path: Path, *, limit: int, inside: Path | None = None) -> bytes:
    """The bytes of ``path``, an input file someone else may have written.

    Only a regular file of at most ``limit`` bytes is read, and with ``inside`` only one whose
    real location (symlinks followed) is in that folder: a symlink to ``/etc/passwd``, a
    device such as ``/dev/zero``, a FIFO that would block, or a file that grows while it is
    read is refused before anything is read. Raises :class:`UnsafeFileError`.
    """
    if inside is not None:
        real = os.path.realpath(path)
        root = os.path.realpath(inside)
        if os.path.commonpath([real, root]) != root:
            raise UnsafeFileError(
                SYMLINK_OUTSIDE,
                "the file is a symlink to a place outside the registry folder; "
                "entry files must live in the registry itself",
            )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnsafeFileError(
            "file-unreadable", f"cannot read the file: {exc.strerror or exc}"
        ) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(
                "file-not-regular", "not a regular file (a device, FIFO, socket or folder)"
            )
        if st.st_size > limit:
            raise UnsafeFileError("file-too-large", f"the file is larger than {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnsafeFileError("file-too-large", f"the file is larger than {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFileError(
            "file-unreadable", f"cannot read the file: {exc.strerror or exc}"
        ) from None
    finally:
        os.close(fd)
