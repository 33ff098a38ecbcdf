"""Old office formats (.doc, .wps, .et) converted by LibreOffice headless into the .docx/.xlsx readers.

Nothing in Python reads a Word 97 binary well, and an office that sends .doc attachments has them
by the thousand; LibreOffice reads them as Word does. It runs as a separate process, one conversion at a time per
process, with a profile of this process's own (made on the first conversion, ~10 s, reused after,
removed at exit; a new profile per file would cost that each time), on a copy of the file under a plain
name (the type is taken from the content, so a Kingsoft .wps saved in Word's format converts too),
within a time limit; what it writes then goes through the same limits as any .docx or .xlsx. No
macro is run: a headless conversion loads documents with macros disabled.
Without LibreOffice the file is refused with the Debian package that brings it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Grid
from qa_app.parsing.guards import check_file_size
from qa_app.settings import Limits

TIMEOUT_S = 180  # a 60-page .doc converts in ~5 s; LibreOffice's first start on a cold box takes longer
PACKAGES = {"docx": "libreoffice-writer", "xlsx": "libreoffice-calc"}


_LOCK = threading.Lock()
_PROFILE: list[Path] = []  # this process's LibreOffice profile, made on first use


def _profile() -> Path:
    if not _PROFILE:
        _PROFILE.append(Path(tempfile.mkdtemp(prefix="qa-soffice-")))
        atexit.register(shutil.rmtree, _PROFILE[0], True)
    return _PROFILE[0]


def soffice() -> str | None:
    """LibreOffice's command on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_converted(path: Path, name: str, limits: Limits, target: str,
                   reader: Callable[[Path, str, Limits], list[Grid]]) -> list[Grid]:
    """The grids of `path` converted to `target` ("docx" or "xlsx") and read by `reader`."""
    check_file_size(path, name, limits)
    command = soffice()
    if command is None:
        raise CorpusError(f"{name}: reading {path.suffix} files needs LibreOffice, which is not installed "
                          f"(apt-get install {PACKAGES[target]}), or save the file as .{target}")
    with tempfile.TemporaryDirectory(prefix="qa-convert-") as tmp:
        folder = Path(tmp)
        source = folder / ("input.doc" if target == "docx" else "input.xls")
        shutil.copyfile(path, source)
        with _LOCK:
            said = _run([command, "--headless", "--norestore", "--nologo", "--nolockcheck",
                         f"-env:UserInstallation={_profile().as_uri()}", "--convert-to", target,
                         "--outdir", str(folder / "out"), str(source)], name)
        converted = folder / "out" / f"input.{target}"
        if not converted.is_file():
            raise CorpusError(f"{name}: LibreOffice could not read it as a {path.suffix} file"
                              + (f" ({said[-1][:80]})" if said else ""))
        return reader(converted, name, limits)


def _run(command: list[str], name: str) -> list[str]:
    """Run LibreOffice in a session of its own, so that a conversion past the time limit is ended
    with every process it started (soffice starts soffice.bin); returns its output's lines."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise CorpusError(f"{name}: LibreOffice did not finish converting it in {TIMEOUT_S} s") from None
    return output.decode("utf-8", "replace").strip().splitlines()
