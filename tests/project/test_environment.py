import re

import yaml

from dxanalysis.core import paths


def _lock():
    pins = {}
    for line in (paths.PROJECT_ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version.strip()
    return pins


def test_environment_yml_and_lock_agree():
    lock = _lock()
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    checked = 0
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            specs = [(s.split("==")[0], s.split("==")[1]) for s in dep["pip"]]
        elif "=" in dep and not dep.startswith("python"):
            specs = [tuple(dep.split("="))]
        else:
            continue
        for name, version in specs:
            key = re.sub(r"[-_.]+", "-", name.lower())
            assert lock.get(key) == version, f"{name}: environment.yml {version} vs requirements.lock {lock.get(key)}"
            checked += 1
    assert checked >= 15


def test_requirements_in_pins_match_lock():
    lock = _lock()
    for line in (paths.PROJECT_ROOT / "requirements.in").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert lock[re.sub(r"[-_.]+", "-", name.lower())] == version.strip(), name
