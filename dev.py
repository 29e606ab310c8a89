#!/usr/bin/env python3
"""The README's two commands: `python3 dev.py run` serves the demo, `python3 dev.py test` tests.

Standard library only, so that a fresh machine needs nothing but Python 3.11 or newer. Both
commands create .venv and install the pinned dependencies of pyproject.toml into it, again only
when pyproject.toml has changed since the last install.
"""
import argparse
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:
    sys.exit("dev.py needs Python 3.11 or newer.")

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PYTHON = BIN / "python"
# Records which dependency groups were installed for which pyproject.toml.
MARKER = VENV / "dev-installed.json"
WORKER_STOP_SECONDS = 30


def requirements(groups: set[str]) -> list[str]:
    """The pinned requirements of pyproject.toml: "main" is [project].dependencies, any other
    name an optional-dependencies group."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    found = []
    for group in sorted(groups):
        found += project["dependencies"] if group == "main" else extras[group]
    return found


def ensure_venv(groups: set[str]) -> None:
    """Create .venv and install ``groups`` unless the marker says they are already there."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    state = json.loads(MARKER.read_text()) if MARKER.exists() else {}
    installed = set(state.get("groups", [])) if state.get("pyproject") == digest else set()
    if groups <= installed and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("Installing the pinned dependencies of pyproject.toml ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
                    "--quiet", *requirements(groups)], check=True)
    MARKER.write_text(json.dumps({"pyproject": digest, "groups": sorted(groups | installed)}))


def manage(*args: str) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, check=True)


def stop_server(server: subprocess.Popen) -> None:
    """Terminate the whole group: runserver's autoreloader runs the real server as a child.

    SIGTERM rather than SIGINT, which a script started in the background inherits as ignored.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)


def stop_worker(worker: subprocess.Popen) -> None:
    """A warm shutdown of the worker's main process; its pool and beat follow it.

    Signalling the whole group instead makes the worker with embedded beat hang on shutdown,
    so the group is only killed when the main process does not end in time.
    """
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            print("The worker did not stop in time: killing it.", flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def run(port: int) -> int:
    """Migrate, seed the demo, then serve with a Celery worker and beat beside the server."""
    ensure_venv({"main"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
    manage("migrate", "--noinput")
    manage("seed_demo", "--port", str(port))
    # Own sessions: a Ctrl-C reaches only this script, which stops both in the right order.
    worker = subprocess.Popen([str(BIN / "celery"), "-A", "helpdesk", "worker", "-B",
                               "--loglevel=info"], cwd=ROOT, start_new_session=True)
    server = None
    try:
        server = subprocess.Popen([str(PYTHON), "manage.py", "runserver", f"0.0.0.0:{port}"],
                                  cwd=ROOT, start_new_session=True)
        signal.signal(signal.SIGINT, lambda signum, frame: stop_server(server))
        signal.signal(signal.SIGTERM, lambda signum, frame: stop_server(server))
        print(f"\nOpen http://qualiteam.localhost:{port}/ or "
              f"http://magespecialist.localhost:{port}/ (logins above). "
              "Ctrl-C stops the server and the worker.\n", flush=True)
        code = server.wait()
    finally:
        if server is not None:
            stop_server(server)
        stop_worker(worker)
    return 0 if code in (0, -signal.SIGTERM) else code


def test(pytest_args: list[str]) -> int:
    """Run pytest in .venv with ``pytest_args``; pytest's exit code is ours."""
    ensure_venv({"main", "dev"})
    return subprocess.call([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="serve the demo portal with a Celery worker")
    run_parser.add_argument("--port", type=int, default=8000, help="default 8000")
    commands.add_parser("test", help="run the tests; other arguments go to pytest",
                        add_help=False)
    args, rest = parser.parse_known_args()
    if args.command == "run":
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        return run(args.port)
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
