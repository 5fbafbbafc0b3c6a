"""The offline bundle (``make bundle``) installs kq on an intranet PC that reaches no package index.

The slow tests build the bundle once per session, which downloads the wheels (about 115 MB) through pip as
configured on this machine; they skip when no package index answers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_ledgers" / "2022-W37" / "乌海市.xlsx"
PORTAL = {"starlette", "uvicorn", "python-multipart", "itsdangerous"}


def _load_bundle_module():
    spec = importlib.util.spec_from_file_location("offline_bundle", ROOT / "offline" / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bundle = _load_bundle_module()


def run(command: list[str | Path], **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, **options)


# ---- python -m kuangquan_cli, for PCs whose Scripts folder is not on PATH ----------------------------------------


@pytest.mark.parametrize("arguments", [["--help"], ["validate", "--help"], ["--version"]])
def test_python_m_kuangquan_cli_answers_like_kq(arguments):
    kq = shutil.which("kq", path=str(Path(sys.executable).parent))
    assert kq is not None, "kq is installed beside this Python"
    script = run([kq, *arguments])
    module = run([sys.executable, "-m", "kuangquan_cli", *arguments])
    assert (module.returncode, module.stderr) == (script.returncode, script.stderr) == (0, "")
    assert module.stdout.replace("python -m kuangquan_cli", "kq") == script.stdout


# ---- the installers, read as cmd.exe and sh read them -----------------------------------------------------------


def test_windows_installer_creates_kq_env_and_installs_from_the_bundled_wheels_only(tmp_path):
    bundle.write_scripts(tmp_path, "9.9.9")
    raw = (tmp_path / "install.bat").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "cmd.exe wants CRLF line ends"
    lines = raw.decode("gbk").splitlines()
    assert lines[0] == "@echo off"
    assert [line.strip() for line in lines if "set \"PY=" in line and "&&" in line] == [
        'py -3.11 -c "%CHECK%" >nul 2>&1 && set "PY=py -3.11"',
        'py -3.12 -c "%CHECK%" >nul 2>&1 && set "PY=py -3.12"',
        'python -c "%CHECK%" >nul 2>&1 && set "PY=python"',
    ]
    assert "%PY% -m venv kq-env || goto failed" in lines
    assert (
        f'"kq-env\\Scripts\\python.exe" -m pip install --no-index --find-links {bundle.WHEELS} '
        '"kuangquan-cli[portal]==9.9.9" || goto failed'
    ) in lines
    assert 'call "%~dp0kq.bat" --version || goto failed' in lines


def test_the_installers_accept_exactly_64_bit_python_3_11_and_3_12(tmp_path):
    bundle.write_scripts(tmp_path, "9.9.9")
    [bat_check] = re.findall(r'^set "CHECK=(.*)"$', (tmp_path / "install.bat").read_text("gbk"), re.M)
    [sh_check] = re.findall(r"^check='(.*)'$", (tmp_path / "install.sh").read_text("utf-8"), re.M)
    assert bat_check == sh_check
    accepted = {(3, 11), (3, 12)}
    for version in [(3, 10), (3, 11), (3, 12), (3, 13)]:
        fake = f"import sys; sys.version_info = {version!r}; sys.maxsize = 2**63 - 1\n"
        assert run([sys.executable, "-c", fake + bat_check]).returncode == (version not in accepted), version
    assert run([sys.executable, "-c", f"import sys; sys.maxsize = 2**31 - 1\n{bat_check}"]).returncode == 1


def test_the_launchers_run_kq_from_kq_env_without_its_absolute_paths(tmp_path):
    bundle.write_scripts(tmp_path, "9.9.9")
    bat = (tmp_path / "kq.bat").read_text("gbk").splitlines()
    code = "import sys; sys.argv[0] = 'kq'; from kuangquan_cli.cli import main; main()"
    assert bat[-1] == f'"%~dp0kq-env\\Scripts\\python.exe" -c "{code}" %*'
    sh = (tmp_path / "kq").read_text("utf-8").splitlines()
    assert sh[-1] == f"exec \"$here/kq-env/bin/python\" -c '{code.replace(chr(39), chr(34))}' \"$@\""
    assert {stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("kq", "install.sh")} == {0o755}
    refused = run(["sh", tmp_path / "kq", "--help"])
    assert (refused.returncode, refused.stderr) == (2, "尚未安装 kq：请先运行本文件夹中的 install.sh\n")


# ---- which wheels a target needs ---------------------------------------------------------------------------------


def _wheel(folder: Path, filename: str, *requires: str, requires_python: str = "") -> None:
    name, version = filename.split("-")[:2]
    metadata = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
    metadata += [f"Requires-Python: {requires_python}\n"] if requires_python else []
    metadata += [f"Requires-Dist: {requirement}\n" for requirement in requires]
    with zipfile.ZipFile(folder / filename, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "".join(metadata))


def test_requirements_are_walked_with_each_targets_markers_tags_and_python(tmp_path):
    _wheel(tmp_path, "kuangquan_cli-0.1.0-py3-none-any.whl", "numlike>=2", 'web; extra == "portal"',
           'winonly; sys_platform == "win32"', 'linuxonly; sys_platform != "win32"',
           'backport; python_version < "3.12"', 'pytest; extra == "test"')
    _wheel(tmp_path, "numlike-2.0-cp311-cp311-win_amd64.whl", "tzlike")
    _wheel(tmp_path, "numlike-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", "tzlike")
    _wheel(tmp_path, "numlike-1.0-cp312-cp312-win_amd64.whl")
    _wheel(tmp_path, "tzlike-1.0-py3-none-any.whl")
    _wheel(tmp_path, "web-1.0-py3-none-any.whl", requires_python=">=3.12")
    _wheel(tmp_path, "winonly-1.0-py3-none-any.whl")
    _wheel(tmp_path, "linuxonly-1.0-cp311-cp311-manylinux_2_28_x86_64.whl")
    _wheel(tmp_path, "backport-1.0-py3-none-any.whl")
    wheels = bundle.wheels_in(tmp_path)

    def outcome(system, python):
        chosen, unmet = bundle.resolve(wheels, bundle.Target(system, python))
        return sorted(wheel.path.name for wheel in chosen), sorted(map(str, unmet))

    assert outcome("windows", (3, 11)) == (
        ["backport-1.0-py3-none-any.whl", "kuangquan_cli-0.1.0-py3-none-any.whl",
         "numlike-2.0-cp311-cp311-win_amd64.whl", "tzlike-1.0-py3-none-any.whl", "winonly-1.0-py3-none-any.whl"],
        ['web; extra == "portal"'],
    )
    assert outcome("windows", (3, 12))[1] == ["numlike>=2"]
    assert outcome("linux", (3, 11))[1] == ["numlike>=2", 'web; extra == "portal"']
    assert outcome("linux", (3, 12)) == (
        ["kuangquan_cli-0.1.0-py3-none-any.whl", "numlike-2.0-cp312-cp312-manylinux_2_17_x86_64.whl",
         "tzlike-1.0-py3-none-any.whl", "web-1.0-py3-none-any.whl"],
        ['linuxonly; sys_platform != "win32"'],
    )


# ---- the built bundle ----------------------------------------------------------------------------------------------


def _index_unreachable(folder: Path) -> str | None:
    """Why pip cannot download a small Windows wheel now, or None when it can."""
    probe = run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
                 "--retries", "0", "--timeout", "15", *bundle.TARGETS[0].pip_options(), "--dest", folder, "colorama"])
    return None if probe.returncode == 0 else (probe.stderr.strip().splitlines() or ["no output"])[-1]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    if reason := _index_unreachable(out / "probe"):
        pytest.skip(f"no package index reachable to download the bundle's wheels: {reason}")
    shutil.rmtree(out / "probe")
    return bundle.build(out)


def _offline_environment() -> dict[str, str]:
    """No pip configuration and an index that does not answer; pip names the index it would look in."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    environment |= {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
                    "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "PIP_NO_CACHE_DIR": "1"}
    environment.pop("PYTHONPATH", None)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    return environment


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info[:2] not in {(3, 11), (3, 12)}, reason="the bundle is for Python 3.11 and 3.12")
def test_the_zip_installs_on_linux_without_an_index_and_kq_validates_a_sample(built, tmp_path):
    with zipfile.ZipFile(bundle.zip_of(built)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / built.name
    offline = _offline_environment()

    install = run(["sh", folder / "install.sh"], env=offline, cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    assert "Looking in indexes" not in install.stdout + install.stderr
    assert "Looking in links" in install.stdout
    assert install.stdout.splitlines()[-1] == f"安装完成。运行 {folder}/kq --help 查看用法。"

    python = folder / "kq-env" / "bin" / "python"
    listed = run([python, "-m", "pip", "list", "--format", "json"], env=offline)
    installed = {canonicalize_name(entry["name"]) for entry in json.loads(listed.stdout)} - {"pip", "setuptools"}
    linux = bundle.Target("linux", sys.version_info[:2])
    assert installed == {str(wheel.name) for wheel in bundle.resolve(bundle.wheels_in(folder / "wheels"), linux).chosen}
    assert PORTAL <= installed

    moved = folder.rename(tmp_path / "搬走后的 kq")  # the launcher does not depend on where kq was installed
    arguments = ["validate", "--week", "37", "--format", "json", SAMPLE]
    validated = run(["sh", moved / "kq", *arguments], env=offline)
    here = run([sys.executable, "-m", "kuangquan_cli", *arguments])
    assert (validated.returncode, validated.stderr) == (0, "")
    assert json.loads(validated.stdout)["summary"]["errors"] == 0
    assert validated.stdout == here.stdout
    launched = run(["sh", moved / "kq", "--help"], env=offline)
    assert launched.stdout.startswith("用法：kq [选项] 命令 [参数]...\n")
    assert launched.stdout == run([sys.executable, "-m", "kuangquan_cli", "--help"]).stdout.replace(
        "python -m kuangquan_cli", "kq")


@pytest.mark.slow
@pytest.mark.parametrize("target", bundle.TARGETS, ids=lambda target: f"{target.system}-3.{target.python[1]}")
def test_every_requirement_of_kq_and_the_portal_has_a_wheel_for_each_target(built, target):
    chosen, unmet = bundle.resolve(bundle.wheels_in(built / bundle.WHEELS), target)
    assert unmet == []
    names = {str(wheel.name) for wheel in chosen}
    assert {"kuangquan-cli", "pandas", "numpy", "pydantic-core", "python-calamine"} | PORTAL <= names
    assert {tag.platform for wheel in chosen for tag in wheel.tags} <= {*target.platforms, "any"}


@pytest.mark.slow
def test_the_bundle_holds_the_installers_the_note_and_the_wheels_and_its_zip_holds_the_folder(built):
    assert sorted(path.name for path in built.iterdir()) == sorted(
        [bundle.WHEELS, bundle.NOTE, *(script.name for script in bundle.SCRIPTS)]
    )
    files = {path.relative_to(built).as_posix() for path in built.rglob("*") if path.is_file()}
    with zipfile.ZipFile(bundle.zip_of(built)) as archive:
        entries = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    assert set(entries) == {f"{built.name}/{name}" for name in files}
    assert stat.S_IMODE(entries[f"{built.name}/install.sh"].external_attr >> 16) == 0o755

    note = (built / bundle.NOTE).read_text("utf-8-sig")
    folder_size = bundle.megabytes(bundle.tree_size(built))
    zip_size = bundle.megabytes(bundle.zip_of(built).stat().st_size)
    assert f"安装包文件夹 {built.name} 约 {folder_size}，压缩包 {built.name}.zip 约 {zip_size}。" in note
    assert "Windows：双击 install.bat。" in note and "Linux：  在本文件夹中运行 sh install.sh" in note
    assert bundle.serve_paragraph() in note
