"""Build the offline bundle for the office's intranet PCs, which reach no package index.

``make bundle`` runs ``python offline/bundle.py --out dist`` and writes ``dist/kq-offline-<version>/`` and a
``.zip`` of it:

    wheels/        kq's wheel and every dependency's, for CPython 3.11 and 3.12 on Windows x64 and Linux x86-64
    install.bat    Windows: creates kq-env beside it and installs kq from wheels/ with --no-index
    install.sh     Linux: the same
    kq.bat, kq     start the installed kq from this folder, without PATH and also after the folder is moved
    安装说明.txt    the one page the office reads: what to copy, the command to run, how to start kq, the sizes

What is installed is ``kuangquan-cli[portal]``. Its requirements are read from kq's wheel, that is from
pyproject.toml's ``dependencies`` and ``portal`` extra, so a dependency added there is bundled without a change here.

The dependencies are walked here rather than by pip's resolver: pip evaluates environment markers for the machine
it runs on, not for the ``--platform`` it downloads for, so it would leave out a Windows-only dependency such as
``colorama; sys_platform == "win32"`` and ask for a Linux-only one (uvloop) that has no Windows wheel. Each target's
requirements are walked with its own markers and Python version, and what is unmet is downloaded with
``pip download --no-deps`` until nothing is.

Run it with the development environment (``make bundle``): it needs ``packaging`` and ``hatchling`` (kq's build
backend, used without build isolation) and imports kq to see which commands it has.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from kuangquan_cli.cli.app import cli

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent
DISTRIBUTION = "kuangquan-cli"
EXTRAS = ("portal",)
WHEELS = "wheels"
NOTE = "安装说明.txt"
# The newest glibc a Linux wheel may ask for: 2.28 is 统信 UOS 20, 银河麒麟 V10, RHEL/CentOS 8 (the note says so).
GLIBC_MINOR = 28


class BundleError(Exception):
    """The bundle could not be built; the message says why (pip's own output is above it)."""


@dataclass(frozen=True)
class Target:
    """One kind of PC the bundle installs on: an operating system and a CPython version, 64-bit."""

    system: str  # "windows" or "linux"
    python: tuple[int, int]

    @property
    def label(self) -> str:
        machine = "Windows x64" if self.system == "windows" else "Linux x86-64"
        return f"{machine}，Python {self.python[0]}.{self.python[1]}"

    @property
    def platforms(self) -> tuple[str, ...]:
        """Wheel platform tags the PC accepts, best first."""
        if self.system == "windows":
            return ("win_amd64",)
        modern = tuple(f"manylinux_2_{minor}_x86_64" for minor in range(GLIBC_MINOR, 4, -1))
        return (*modern, "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64")

    def pip_options(self) -> list[str]:
        version = f"{self.python[0]}.{self.python[1]}"
        abi = f"cp{self.python[0]}{self.python[1]}"
        platforms = [option for platform in self.platforms for option in ("--platform", platform)]
        return [*platforms, "--python-version", version, "--implementation", "cp", "--abi", abi]

    def tags(self) -> frozenset[Tag]:
        interpreter = f"cp{self.python[0]}{self.python[1]}"
        return frozenset(cpython_tags(self.python, [interpreter], self.platforms)) | frozenset(
            compatible_tags(self.python, interpreter, self.platforms)
        )

    def environment(self) -> dict[str, str]:
        """The values of environment markers on this kind of PC (PEP 508)."""
        version = f"{self.python[0]}.{self.python[1]}"
        windows = self.system == "windows"
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{version}.0",
            "os_name": "nt" if windows else "posix",
            "platform_machine": "AMD64" if windows else "x86_64",
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Windows" if windows else "Linux",
            "platform_version": "",
            "python_full_version": f"{version}.0",
            "python_version": version,
            "sys_platform": "win32" if windows else "linux",
        }


TARGETS = tuple(Target(system, (3, minor)) for system in ("windows", "linux") for minor in (11, 12))


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: NormalizedName
    version: Version
    tags: frozenset[Tag]
    requires: tuple[Requirement, ...]
    requires_python: SpecifierSet

    @classmethod
    def at(cls, path: Path) -> Wheel:
        name, version, _build, tags = parse_wheel_filename(path.name)
        with zipfile.ZipFile(path) as archive:
            [metadata] = [entry for entry in archive.namelist() if entry.endswith(".dist-info/METADATA")]
            message = email.parser.BytesParser().parsebytes(archive.read(metadata), headersonly=True)
        requires = tuple(Requirement(line) for line in message.get_all("Requires-Dist") or [])
        return cls(path, name, version, tags, requires, SpecifierSet(message.get("Requires-Python") or ""))


def wheels_in(folder: Path) -> list[Wheel]:
    return [Wheel.at(path) for path in sorted(folder.glob("*.whl"))]


def applies(requirement: Requirement, environment: Mapping[str, str], extras: Iterable[str]) -> bool:
    """Whether a dependency is wanted on a PC with ``environment`` when its dependent is installed with ``extras``."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in (*extras, ""))


class Resolution(NamedTuple):
    chosen: list[Wheel]
    unmet: list[Requirement]


def resolve(wheels: Iterable[Wheel], target: Target) -> Resolution:
    """The wheels ``kuangquan-cli[portal]`` is installed from on ``target``, and the requirements no wheel meets.

    Requirements are walked with the target's environment markers. One is met by the newest wheel of its
    distribution that installs on the target and whose version it allows; that wheel's requirements are walked next.
    """
    environment = target.environment()
    accepted = target.tags()
    usable: dict[NormalizedName, list[Wheel]] = {}
    for candidate in sorted(wheels, key=lambda wheel: wheel.version, reverse=True):
        if candidate.tags & accepted and candidate.requires_python.contains(environment["python_version"]):
            usable.setdefault(candidate.name, []).append(candidate)
    todo = [Requirement(f"{DISTRIBUTION}[{','.join(EXTRAS)}]")]
    chosen: dict[tuple[NormalizedName, Version], Wheel] = {}
    walked: set[tuple[NormalizedName, Version, frozenset[str]]] = set()
    unmet: dict[str, Requirement] = {}
    while todo:
        requirement = todo.pop()
        allowed = usable.get(canonicalize_name(requirement.name), [])
        wheel = next((wheel for wheel in allowed if requirement.specifier.contains(wheel.version, True)), None)
        if wheel is None:
            unmet.setdefault(str(requirement), requirement)
            continue
        chosen[wheel.name, wheel.version] = wheel
        key = (wheel.name, wheel.version, frozenset(requirement.extras))
        if key not in walked:
            walked.add(key)
            todo.extend(dep for dep in wheel.requires if applies(dep, environment, requirement.extras))
    return Resolution(sorted(chosen.values(), key=lambda wheel: wheel.path.name), list(unmet.values()))


def without_marker(requirement: Requirement) -> str:
    bare = Requirement(str(requirement))
    bare.marker = None
    return str(bare)


def pip(*arguments: str) -> None:
    command = [sys.executable, "-m", "pip", *arguments]
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise BundleError(f"pip {arguments[0]} 退出码 {result.returncode}")


def build_kq_wheel(folder: Path) -> Wheel:
    pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(folder), str(ROOT))
    [wheel] = [wheel for wheel in wheels_in(folder) if wheel.name == DISTRIBUTION]
    return wheel


def download_wheels(folder: Path) -> None:
    """Download into ``folder`` what kq[portal] needs on each target until nothing is unmet.

    ``--no-deps``: the dependencies are walked here, with each target's markers (see the module's docstring).
    One folder serves every target, so pure-Python wheels are there once.
    """
    for target in TARGETS:
        print(f"下载 {target.label} 所需的 wheel …", file=sys.stderr, flush=True)
        asked: set[str] = set()
        while unmet := resolve(wheels_in(folder), target).unmet:
            wanted = sorted({without_marker(requirement) for requirement in unmet})
            if asked.issuperset(wanted):
                raise BundleError(f"{target.label} 仍缺 {'、'.join(map(str, unmet))}")
            asked.update(wanted)
            pip("download", "--quiet", "--no-deps", "--only-binary=:all:", *target.pip_options(),
                "--dest", str(folder), *wanted)


@dataclass(frozen=True)
class Script:
    """A file written from the template of the same name in this folder, in the form its reader needs."""

    name: str
    encoding: str
    newline: str
    executable: bool = False


# cmd.exe on a Chinese Windows reads a .bat in the ANSI code page (GBK) and wants CRLF line ends.
SCRIPTS = (
    Script("install.bat", "gbk", "\r\n"),
    Script("kq.bat", "gbk", "\r\n"),
    Script("install.sh", "utf-8", "\n", executable=True),
    Script("kq", "utf-8", "\n", executable=True),
)
# Notepad on every Windows version reads UTF-8 correctly when it starts with a BOM.
NOTE_SCRIPT = Script(NOTE, "utf-8-sig", "\r\n")


def write_script(folder: Path, script: Script, values: Mapping[str, str]) -> None:
    text = (TEMPLATES / script.name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if left := re.findall(r"@[A-Z_]+@", text):
        raise ValueError(f"{script.name}: no value for {', '.join(left)}")
    path = folder / script.name
    with path.open("w", encoding=script.encoding, newline=script.newline) as stream:
        stream.write(text)
    path.chmod(0o755 if script.executable else 0o644)


def write_scripts(folder: Path, version: str) -> None:
    for script in SCRIPTS:
        write_script(folder, script, {"VERSION": version})


def serve_paragraph() -> str:
    """What the note says about the portal: how to start it once kq has ``kq serve``."""
    if "serve" in cli.commands:
        return "  网页门户：运行 kq serve（选项见 kq serve --help），按屏幕提示在浏览器中打开所示网址。"
    return "  网页门户（kq serve）将在以后的版本中提供；本安装包已含其所需的全部依赖。"


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def tree_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def zip_folder(folder: Path, name: str, destination: Path) -> None:
    """``folder`` as ``destination`` whose entries sit under ``name/``; wheels are stored, being zips already."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            method = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
            archive.write(path, f"{name}/{path.relative_to(folder).as_posix()}", compress_type=method)


def write_note_and_zip(folder: Path, name: str, version: str, destination: Path) -> None:
    """The note states the folder's and the zip's size, which include the note: rewrite until they agree."""
    values = {"VERSION": version, "SERVE": serve_paragraph()}
    stated = ("?", "?")
    while True:
        write_script(folder, NOTE_SCRIPT, {**values, "FOLDER_SIZE": stated[0], "ZIP_SIZE": stated[1]})
        zip_folder(folder, name, destination)
        actual = (megabytes(tree_size(folder)), megabytes(destination.stat().st_size))
        if actual == stated:
            return
        stated = actual


def zip_of(folder: Path) -> Path:
    return folder.parent / f"{folder.name}.zip"


def build(out: Path) -> Path:
    """Write ``out/kq-offline-<version>/`` and its zip, replacing an older build; return the folder."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kq-offline-", dir=out))
    staging.chmod(0o755)  # mkdtemp makes it private; the bundle is copied and shared
    try:
        wheels = staging / WHEELS
        wheels.mkdir()
        kq = build_kq_wheel(wheels)
        download_wheels(wheels)
        version = str(kq.version)
        folder = out / f"kq-offline-{version}"
        write_scripts(staging, version)
        write_note_and_zip(staging, folder.name, version, zip_of(staging))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
        os.replace(zip_of(staging), zip_of(folder))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        zip_of(staging).unlink(missing_ok=True)
        raise
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description="生成内网电脑用的 kq 离线安装包")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="输出文件夹（默认 dist）")
    try:
        folder = build(parser.parse_args().out)
    except BundleError as exc:
        sys.exit(f"打包失败：{exc}")
    sizes = f"{megabytes(tree_size(folder))}，压缩包 {megabytes(zip_of(folder).stat().st_size)}"
    print(f"已生成 {folder} 和 {zip_of(folder).name}（{sizes}）")


if __name__ == "__main__":
    main()
