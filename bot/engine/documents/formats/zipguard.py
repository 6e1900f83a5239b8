"""Zip containers (.docx, .ofd) opened without trusting them.

A 277 KB .docx can hold XML that unpacks to 180 MB. Before any reader touches a member,
every member is checked twice: the sizes the archive declares, then the bytes that really
come out, read in 64 KB pieces and counted, so a lying header cannot get past and memory
stays small. Only then do readers unpack what they need.
"""

from __future__ import annotations

import io
import zipfile

from bot.engine.documents.formats.model import DocumentError, Limits

_CHUNK = 64 * 1024


def open_checked(name: str, data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The archive in ``data``, after its members proved to unpack within ``limits``;
    DocumentError "zip_bomb" or "corrupt" otherwise. The caller closes it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("corrupt", name=name, detail="not a readable zip archive") from exc
    try:
        _check(name, archive, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def read_member(name: str, archive: zipfile.ZipFile, member: str, limits: Limits) -> bytes:
    """One member's bytes (at most ``limits.max_unpacked_bytes``); DocumentError "corrupt"
    when it is missing or damaged."""
    try:
        with archive.open(member) as stream:
            out = stream.read(limits.max_unpacked_bytes + 1)
    except KeyError as exc:
        raise DocumentError("corrupt", name=name, detail=f"{member} is missing") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError("corrupt", name=name, detail=f"{member} is damaged") from exc
    if len(out) > limits.max_unpacked_bytes:
        raise DocumentError("zip_bomb", name=name, size=len(out), limit=limits.max_unpacked_bytes)
    return out


def _check(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    infos = archive.infolist()
    budget = limits.max_unpacked_bytes
    if len(infos) > limits.max_zip_members:
        raise DocumentError("zip_bomb", name=name, size=len(infos), limit=limits.max_zip_members)
    declared = sum(info.file_size for info in infos)
    if declared > budget:
        raise DocumentError("zip_bomb", name=name, size=declared, limit=budget)
    unpacked = 0
    for info in infos:
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    unpacked += len(chunk)
                    if unpacked > budget:
                        raise DocumentError("zip_bomb", name=name, size=unpacked, limit=budget)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise DocumentError("corrupt", name=name, detail=f"{info.filename} is damaged") from exc
