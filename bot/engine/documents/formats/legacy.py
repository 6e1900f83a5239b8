"""Old Word (.doc), WPS (.wps) and RTF files: converted to .docx by LibreOffice headless,
then read as any .docx is (docx.py, after the zip guard).

No Python library reads .doc and .wps well; LibreOffice (Debian: libreoffice-writer-nogui,
installed by the project's setup as the OCR font is) reads both, and RTF. Each conversion
runs in a fresh temporary folder with its own LibreOffice profile, so conversions at once
do not fight over one profile's lock, and is stopped after CONVERT_SECONDS. Without
soffice the file is refused with the reason ("no_converter"), never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from bot.engine.documents.formats.docx import read_docx
from bot.engine.documents.formats.model import DocumentError, Extracted, Limits

CONVERT_SECONDS = 120  # a long .doc converts in a few seconds; a hostile one is stopped
_PROGRAMS = ("soffice", "libreoffice")


def converter() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return next((found for found in map(shutil.which, _PROGRAMS) if found), None)


def read_legacy(name: str, data: bytes, limits: Limits, kind: str) -> Extracted:
    """The blocks of a .doc, .wps or .rtf file (``kind``), by way of a .docx."""
    program = converter()
    suffix = Path(name).suffix.lower() or f".{kind}"
    if program is None:
        raise DocumentError("no_converter", name=name, suffix=suffix)
    with tempfile.TemporaryDirectory(prefix="qabot-convert-") as folder:
        work = Path(folder)
        source = work / f"document{suffix}"
        source.write_bytes(data)
        command = [
            program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source),
        ]
        _convert(name, command, {**os.environ, "HOME": str(work)})
        converted = work / "out" / "document.docx"
        if not converted.is_file():
            raise DocumentError("corrupt", name=name, detail=f"LibreOffice could not convert this {suffix}")
        found = read_docx(name, converted.read_bytes(), limits)
    return Extracted(found.blocks, found.pages, kind)


def _convert(name: str, command: list[str], env: dict[str, str]) -> None:
    """Run the conversion in a process group of its own, all of it stopped on a timeout
    (soffice starts soffice.bin, which would outlive its parent)."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                             start_new_session=True)
    try:
        child.wait(timeout=CONVERT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        raise DocumentError("corrupt", name=name, detail=f"conversion took over {CONVERT_SECONDS} s") from exc
