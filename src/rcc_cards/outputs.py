"""Where a build writes, decided in one place: ``-o`` names a package when it ends in ``.apkg`` (every
selected deck goes into it), and otherwise a folder of packages, one ``<deck key>.apkg`` each (``build/``
when ``-o`` is not given). The build record and the preview page go beside the packages."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUTPUT = Path("build")
PACKAGE_SUFFIX = ".apkg"


def is_package(output: Path | None) -> bool:
    """Does ``-o`` name one package file (rather than a folder of them)?"""
    return output is not None and output.suffix == PACKAGE_SUFFIX


def package_for(deck_key: str, output: Path | None) -> Path:
    """The package a deck is written into."""
    if is_package(output):
        assert output is not None
        return output
    return (output or DEFAULT_OUTPUT) / f"{deck_key}{PACKAGE_SUFFIX}"


def folder(output: Path | None) -> Path:
    """The folder the packages are written in: where the build record and the preview page go too."""
    if output is not None and is_package(output):
        return output.parent
    return output or DEFAULT_OUTPUT
