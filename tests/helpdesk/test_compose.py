"""docker-compose.yml and its Dockerfile, read as Docker would (no Docker engine runs here):
the services, their commands and health, and a production configuration that starts."""
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpdesk.test_settings import GOOD, MANAGE_CHECK, required_variables, start

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ["web", "worker", "beat"]
INTERPOLATION = re.compile(r"\$\{([A-Z_]+)(?::([?-])([^}]*))?\}")


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, as `docker compose` reads them."""
    def replace(match):
        name, kind, rest = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return rest
        raise AssertionError(f"docker compose would stop: {name} is not set ({rest})")
    return INTERPOLATION.sub(replace, value)


def test_compose_runs_postgres_redis_web_worker_and_beat(services):
    assert {"postgres", "redis", *APP_SERVICES} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


@pytest.mark.parametrize(("service", "command"), [
    ("web", ["gunicorn", "helpdesk.wsgi"]),
    ("worker", ["celery", "-A", "helpdesk", "worker"]),
    ("beat", ["celery", "-A", "helpdesk", "beat"]),
])
def test_each_app_service_runs_its_program_from_the_pinned_dependencies(services, service,
                                                                        command):
    given = services[service]["command"]

    assert given[:len(command)] == command
    # The image installs the same pins as .venv, so the program must be there too.
    assert (Path(sys.executable).parent / given[0]).exists()
    assert importlib.util.find_spec("helpdesk.wsgi") is not None
    assert services[service]["build"] == "."


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_required_production_variable_reaches_each_app_service(services, service):
    environment = services[service]["environment"]

    assert environment["DJANGO_SETTINGS_MODULE"] == "helpdesk.settings.production"
    assert required_variables() <= set(environment)
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_the_composed_environment_passes_the_deployment_checks(services):
    filled = {**GOOD, "POSTGRES_PASSWORD": "a-long-database-password"}
    environment = {name: interpolate(str(value), filled)
                   for name, value in services["web"]["environment"].items()}

    result = start(MANAGE_CHECK, settings=None, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_env_example_names_every_variable_compose_asks_for():
    compose = (ROOT / "docker-compose.yml").read_text()
    asked = {name for name, kind, _ in INTERPOLATION.findall(compose) if kind == "?"}
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}

    assert asked
    assert asked <= example


def test_postgres_and_redis_report_health_and_the_app_waits_for_it(services):
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for service in APP_SERVICES:
        depends_on = services[service]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_migrations_and_static_files_run_once_before_the_app_starts(services):
    command = " ".join(services["migrate"]["command"])

    assert "migrate --noinput" in command
    assert "collectstatic --noinput" in command
    for service in APP_SERVICES:
        assert (services[service]["depends_on"]["migrate"]["condition"]
                == "service_completed_successfully")


def test_dockerfile_builds_on_python_311_slim_with_pyproject_pins():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "COPY pyproject.toml dev.py" in dockerfile
    assert "dev.ensure_venv({'main'})" in dockerfile
