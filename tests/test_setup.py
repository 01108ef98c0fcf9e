"""`scripts/setup` on a stock Debian/Ubuntu: the system Python refuses `pip install` (PEP 668),
so setup makes a virtual environment, as root and as a normal user.

Each test runs the real script on a copy of the repository with a PATH that holds only the
system's folders, so the pyenv Python of our machines cannot hide the problem.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import REPO

SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEM_PYTHON = Path("/usr/bin/python3")
pytestmark = pytest.mark.skipif(not SYSTEM_PYTHON.exists() or not sys.platform.startswith("linux"),
                                reason="needs a Linux system Python at /usr/bin/python3")


def _copy_repository(target: Path) -> Path:
    """The files git tracks (what a fresh clone has), without .venv or caches."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, names.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run_setup(checkout: Path, home: Path, as_user: list[str]) -> subprocess.CompletedProcess:
    env = {"PATH": SYSTEM_PATH, "HOME": str(home), "LANG": "C.UTF-8"}
    if os.environ.get("NARROWCAST_CHROMIUM"):
        env["NARROWCAST_CHROMIUM"] = os.environ["NARROWCAST_CHROMIUM"]
    return subprocess.run([*as_user, "/usr/bin/env", "-i", *(f"{k}={v}" for k, v in env.items()),
                           "bash", "scripts/setup"], cwd=checkout, capture_output=True, text=True, timeout=900)


def _assert_working_venv(checkout: Path, setup: subprocess.CompletedProcess) -> None:
    assert setup.returncode == 0, setup.stdout + setup.stderr
    venv_python = checkout / ".venv/bin/python"
    base = subprocess.run([str(venv_python), "-c", "import sys; print(sys.base_prefix, sys.prefix)"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert base[0] == "/usr", f"the virtual environment was made from {base[0]}, not the system Python"
    assert Path(base[1]) == checkout / ".venv"
    shown = subprocess.run([str(checkout / ".venv/bin/narrowcast"), "--help"], capture_output=True, text=True,
                           env={"PATH": SYSTEM_PATH})
    assert shown.returncode == 0 and "narrowcast" in shown.stdout, shown.stderr
    imported = subprocess.run([str(venv_python), "-c", "import narrowcast, pytest, playwright; print(narrowcast.__file__)"],
                              capture_output=True, text=True, env={"PATH": SYSTEM_PATH}, cwd="/")
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).is_relative_to(checkout), "narrowcast is not installed from the checkout"


def test_the_system_python_refuses_pip_so_setup_must_not_use_it():
    """The premise: the stock interpreter is externally managed (else these tests prove nothing)."""
    refused = subprocess.run([str(SYSTEM_PYTHON), "-m", "pip", "install", "--dry-run", "pyyaml"],
                             capture_output=True, text=True, env={"PATH": SYSTEM_PATH, "HOME": "/tmp"})
    marker = list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))
    assert marker or refused.returncode != 0


def test_setup_makes_a_virtual_environment_with_the_system_python_as_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("runs as root only (CI runs as root)")
    checkout = _copy_repository(tmp_path / "narrowcast")
    setup = _run_setup(checkout, tmp_path, [])
    _assert_working_venv(checkout, setup)
    again = _run_setup(checkout, tmp_path, [])  # safe to run again: nothing made anew
    assert again.returncode == 0 and "making the virtual environment" not in again.stdout, again.stdout + again.stderr


@pytest.fixture
def open_folder():
    """A folder outside pytest's (root-only) temporary tree, so that another user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="narrowcast-setup-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_setup_works_for_a_normal_user_without_root(open_folder):
    """An operator without root: setup installs into .venv and needs no sudo when the system
    packages are there (they are on CI and on our machines)."""
    checkout = _copy_repository(open_folder / "narrowcast")
    home = open_folder / "home"
    home.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        for path in [open_folder, *open_folder.rglob("*")]:
            os.chown(path, 65534, 65534, follow_symlinks=False)
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    setup = _run_setup(checkout, home, as_user)
    assert "installing" not in setup.stdout, "a normal user's setup tried to install system packages"
    _assert_working_venv(checkout, setup)
