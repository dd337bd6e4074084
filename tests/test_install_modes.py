"""The package installs and works both as `pip install .` and `pip install -e .`.

Each mode gets a fresh virtual environment that sees the dependencies already installed for the
running interpreter but *not* any coursec installed there (CI runs `pip install ".[test]"` first,
and a globally installed coursec would otherwise shadow the one under test: setuptools' editable
finder comes after the path-based one).  That is done with a directory of symlinks to the
interpreter's site-packages entries minus coursec's, added to the venv with a ``.pth`` file; it
stands in for ``venv --system-site-packages``.

The repository is copied (git-tracked plus untracked, non-ignored files) to a temporary directory
first, so that neither mode writes build/ or egg-info into the work tree.  The build runs
without build isolation; build-system requirements the environment lacks are installed into the
venv first (as pip's isolated build would).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXPORTERS = {"html", "scorm12", "scorm2004", "pdf", "imscc", "cmi5"}

CHECK = r"""
import importlib
import importlib.metadata as md
import importlib.resources as resources
import json
import sys
from pathlib import Path

modules = {}
for name in ("coursec", "coursec.exporters", "coursec.templates"):
    module = importlib.import_module(name)
    modules[name] = [str(Path(p).resolve()) for p in module.__path__]

templates = resources.files("coursec.templates")
base = templates.joinpath("base.html.j2")
dist = md.distribution("coursec")
eps = {}
for ep in md.entry_points(group="coursec.exporters"):
    if ep.dist is None or ep.dist.name != "coursec":
        continue
    where = str(Path(ep.dist.locate_file("")).resolve())
    eps.setdefault(ep.name, []).append({"value": ep.value, "dist_location": where})
loaded = {}
for ep in md.entry_points(group="coursec.exporters"):
    try:
        obj = ep.load()
    except Exception as exc:
        loaded[ep.name] = f"cannot load {ep.value}: {exc!r}"
    else:
        loaded[ep.name] = f"{obj.__module__}.{obj.__qualname__}"
print(json.dumps({
    "prefix": str(Path(sys.prefix).resolve()),
    "modules": modules,
    "base_is_file": base.is_file(),
    "base_size": len(base.read_bytes()) if base.is_file() else 0,
    "dist_location": str(Path(dist.locate_file("")).resolve()),
    "version": dist.version,
    "entry_points": eps,
    "loaded": loaded,
}))
"""


def _run(
    cmd: list[str | Path], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    if result.returncode != 0:
        shown = " ".join(a if len(a) < 120 else "<script>" for a in map(str, result.args))
        pytest.fail(
            f"`{shown}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


def _copy_repo(dest: Path) -> Path:
    listing = _ok(
        _run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO, timeout=60)
    )
    copied = 0
    for rel in filter(None, listing.split("\0")):
        src = REPO / rel
        if not src.is_file():  # deleted but still tracked, or a submodule
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        copied += 1
    assert copied > 0, "git ls-files listed no files"
    return dest


def _site_dirs() -> list[Path]:
    dirs = [Path(p) for p in site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        dirs.append(Path(site.getusersitepackages()))
    return [d for d in dirs if d.is_dir()]


def _make_venv(root: Path) -> Path:
    """A venv that sees this interpreter's packages except any coursec; returns its python."""
    venv = root / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root, timeout=120))
    python = venv / "bin" / "python"
    venv_site = Path(
        _ok(
            _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root)
        ).strip()
    )
    lines = []
    for index, site_dir in enumerate(_site_dirs()):
        mirror = root / f"deps-{index}"
        mirror.mkdir()
        for entry in site_dir.iterdir():
            if "coursec" in entry.name.lower():
                continue
            (mirror / entry.name).symlink_to(entry)
        lines.append(f"import site; site.addsitedir({str(mirror)!r})")
    (venv_site / "zz_coursec_test_deps.pth").write_text("\n".join(lines) + "\n")
    probe = _run([python, "-c", "import coursec"], root, timeout=60)
    assert probe.returncode != 0, "the fresh venv can already import coursec; isolation failed"
    return python


def _ensure_build_requirements(python: Path, project: Path, cwd: Path) -> None:
    requires = tomllib.loads((project / "pyproject.toml").read_text())["build-system"]["requires"]
    # Already-satisfied requirements are a no-op that needs no network.
    _ok(_run([python, "-m", "pip", "install", "--quiet", *requires], cwd=cwd))


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["pip-install", "pip-install-editable"])
def test_install_mode(tmp_path: Path, editable: bool) -> None:
    project = _copy_repo(tmp_path / "project")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    python = _make_venv(tmp_path)
    prefix = python.parent.parent.resolve()
    _ensure_build_requirements(python, project, workdir)

    install: list[str | Path] = [python, "-m", "pip", "install", "--no-deps"]
    install.append("--no-build-isolation")
    install += ["-e", project] if editable else [project]
    _ok(_run(install, cwd=workdir))

    info = json.loads(_ok(_run([python, "-c", CHECK], cwd=workdir, timeout=120)))
    assert Path(info["prefix"]) == prefix
    assert Path(info["dist_location"]).is_relative_to(prefix), info

    modules = {name: [Path(p) for p in paths] for name, paths in info["modules"].items()}
    if editable:
        expected = {
            "coursec": project / "src" / "coursec",
            "coursec.exporters": project / "exporters",
            "coursec.templates": project / "templates",
        }
        for name, where in expected.items():
            assert where.resolve() in modules[name], (name, modules[name], where)
    else:
        for name, paths in modules.items():
            assert paths, name
            assert all(p.is_relative_to(prefix) for p in paths), (name, paths)

    assert info["base_is_file"], "coursec.templates has no base.html.j2 resource"
    assert info["base_size"] > 0

    found = set(info["entry_points"])
    assert found >= EXPORTERS, f"coursec.exporters entry points: {sorted(found)}"
    for name in EXPORTERS:
        (only,) = info["entry_points"][name]  # exactly one coursec registers it
        assert Path(only["dist_location"]).is_relative_to(prefix), only
        assert name in info["loaded"], info["loaded"]
        assert info["loaded"][name].startswith("coursec.exporters."), info["loaded"][name]

    cli = prefix / "bin" / "coursec"
    assert cli.is_file(), "console script `coursec` was not installed"
    version = _ok(_run([cli, "--version"], cwd=workdir, timeout=120))
    assert info["version"] in version, version
