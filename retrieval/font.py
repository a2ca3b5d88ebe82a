"""The charts' CJK font: Noto Sans SC (SIL OFL) from the npm package @fontsource/noto-sans-sc, as TTF under fonts/."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from config.settings import PROJECT_ROOT
from retrieval.errors import RetrievalError

PACKAGE = "@fontsource/noto-sans-sc@5.3.0"
# the registry's integrity of that tarball (npm checks it too; checked again here, so a mirror cannot swap it)
INTEGRITY = "sha512-HeqIlGm0+ohOKxZLuHj1qW6r6avHH0OWdKERAcSDI0RQ+MXrteuLKA+M+5eOA8rYy0MFvOR5AT0fQo2rUkye0Q=="
WOFF = "package/files/noto-sans-sc-chinese-simplified-400-normal.woff"  # 7,946 characters, digits and Latin too
LICENSE = "package/LICENSE"
NAMES = {1: "Noto Sans SC", 2: "Regular", 4: "Noto Sans SC Regular", 6: "NotoSansSC-Regular"}
FONT_DIR = PROJECT_ROOT / "fonts"
FONT = FONT_DIR / "NotoSansSC-Regular.ttf"


class FontMissing(RetrievalError):
    """The chart font is not installed: ``make install`` brings it."""


def font_path(path: Path = FONT) -> Path:
    """The installed chart font; FontMissing (saying what to run) when it is not there."""
    if not path.is_file():
        raise FontMissing(f"the chart font {path} is missing: run `make install` (it installs {PACKAGE})")
    return path


def install(tarball: Path, out: Path = FONT) -> Path:
    """Check ``tarball`` (``npm pack`` of PACKAGE) against INTEGRITY, convert its simplified-Chinese WOFF to a
    TrueType file at ``out`` (matplotlib reads TTF/OTF only) and put the font's licence beside it."""
    from fontTools.ttLib import TTFont

    raw = tarball.read_bytes()
    found = "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode()
    if found != INTEGRITY:
        raise ValueError(f"{tarball}: integrity {found[:24]}… is not the pinned {PACKAGE}'s")
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as pack:
        woff = pack.extractfile(WOFF).read()
        licence = pack.extractfile(LICENSE).read()
    font = TTFont(io.BytesIO(woff))
    font.flavor = None  # WOFF → plain sfnt (TrueType outlines)
    for record in font["name"].names:  # the subset calls its regular weight "Noto Sans SC Thin"
        record.string = NAMES.get(record.nameID, record.string)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)
    (out.parent / "OFL.txt").write_bytes(licence)
    return out


def fetch(out: Path = FONT) -> Path:
    """``npm pack`` PACKAGE into a temporary folder and :func:`install` it (``make install`` runs this)."""
    npm = shutil.which("npm")
    if npm is None:
        raise FontMissing("npm is needed to fetch the chart font: install Node.js >= 18 with npm")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [npm, "pack", "--silent", "--pack-destination", tmp, PACKAGE], check=True, stdout=subprocess.DEVNULL
        )
        return install(next(Path(tmp).glob("*.tgz")), out)


if __name__ == "__main__":  # python -m retrieval.font [OUT.ttf]
    print(f"chart font ready: {fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else FONT)}")
