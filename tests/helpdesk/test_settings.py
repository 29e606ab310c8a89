"""Settings as an operator meets them: production refuses to start on a missing or malformed
variable with one line naming it, passes `check --deploy`, and the embedded default needs none.

Each case runs in a subprocess with a clean environment, as a server would start.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.helpdesk.test_celery import redis_url_or_skip
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    (ROOT / ".env").exists(),
    reason="a .env file fills in the variables that these tests leave unset",
)

GOOD = {
    "SECRET_KEY": "Xk3vQ9pL2mN8rT5wY7zB4cD6fG1hJ0kS9aE2uI5oP8lM3nR6tV1yW4xZ7qC0bA3e",
    "ALLOWED_HOSTS": "helpdesk.example.com,.helpdesk.example.com",
    "BASE_DOMAIN": "helpdesk.example.com",
    "DATABASE_URL": "postgres://helpdesk:secret@db.example.com:5432/helpdesk?sslmode=require",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "FIELD_ENCRYPTION_KEY": "k7Tq2Wn9Rb4Ys1Vx8Zc5Ud3Fe6Gh0Jm2La",
}
REQUIRED = list(GOOD)
MALFORMED = [
    ("SECRET_KEY", "short"),
    ("SECRET_KEY", "django-insecure-" + "a1b2c3d4e5" * 5),
    ("ALLOWED_HOSTS", "*"),
    ("BASE_DOMAIN", "localhost"),
    ("BASE_DOMAIN", "https://helpdesk.example.com/"),
    ("DATABASE_URL", "sqlite:////srv/helpdesk/db.sqlite3"),
    ("DATABASE_URL", "mysql://helpdesk@db.example.com/helpdesk"),
    ("REDIS_URL", "http://x"),
    ("EMAIL_URL", "consolemail://"),
    ("EMAIL_URL", "http://x"),
    ("DATABASE_URL", "garbage"),
    ("FIELD_ENCRYPTION_KEY", "too-short"),
    ("FIELD_ENCRYPTION_KEY", GOOD["SECRET_KEY"]),
]
MANAGE_CHECK = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
IMPORT_WSGI = [sys.executable, "-c", "import helpdesk.wsgi"]


def required_variables() -> set[str]:
    """The variables production.py requires, read from its require() calls."""
    source = (ROOT / "helpdesk" / "settings" / "production.py").read_text()
    return set(re.findall(r'require\(\s*"([A-Z_]+)"', source))


def start(command, *, settings="helpdesk.settings.production", **variables):
    """Run ``command`` in the project with only ``variables`` set, as a fresh server would;
    ``settings=None`` leaves DJANGO_SETTINGS_MODULE unset."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **variables}
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def without(name):
    return {key: value for key, value in GOOD.items() if key != name}


def print_setting(expression, *, settings="helpdesk.settings.production", **variables):
    code = f"import json; from django.conf import settings; print(json.dumps({expression}))"
    result = start([sys.executable, "-c", code], settings=settings, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_these_tests_cover_every_variable_production_requires():
    assert set(REQUIRED) == required_variables()


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = start(MANAGE_CHECK, **GOOD)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert result.stderr == ""


def test_wsgi_application_loads_with_good_production_settings():
    result = start([sys.executable, "-c", "import helpdesk.wsgi as w; print(w.application)"],
                   settings=None, **GOOD)

    assert result.returncode == 0, result.stderr
    assert "WSGIHandler" in result.stdout


def test_a_web_worker_keeps_its_loaded_code_out_of_the_garbage_collectors_walks():
    """A full collection over the loaded code stalls every queued request (issue 5)."""
    counts = "import gc, helpdesk.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = start([sys.executable, "-c", counts], settings=None, **GOOD)

    frozen, tracked = map(int, result.stdout.split())
    assert frozen > 10 * tracked, result.stderr


@pytest.mark.parametrize("command", [MANAGE_CHECK, IMPORT_WSGI], ids=["manage.py", "wsgi"])
@pytest.mark.parametrize("name", REQUIRED)
def test_a_missing_production_variable_stops_start_up_with_one_line_naming_it(command, name):
    result = start(command, **without(name))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {name} is not set: expected ")


@pytest.mark.parametrize(("name", "value"), MALFORMED)
def test_a_malformed_production_variable_stops_start_up_with_one_line_naming_it(name, value):
    result = start(MANAGE_CHECK, **{**GOOD, name: value})

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {name} is malformed: expected ")


@pytest.mark.parametrize(("name", "value"), [("DATABASE_URL", "garbage"),
                                             ("EMAIL_URL", "http://x")])
def test_a_malformed_optional_variable_stops_the_embedded_setup_with_one_line(name, value):
    result = start([sys.executable, "manage.py", "check"], settings="helpdesk.settings.local",
                   **{name: value})

    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"Configuration error: {name} is malformed: expected ")


def test_wsgi_refuses_a_malformed_variable_the_same_way():
    result = start(IMPORT_WSGI, **{**GOOD, "DATABASE_URL": "sqlite:////srv/helpdesk.sqlite3"})

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DATABASE_URL is malformed: expected a postgres:// URL."]


def test_wsgi_without_a_settings_module_takes_production_never_local():
    result = start(IMPORT_WSGI, settings=None)

    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: SECRET_KEY is not set")


def test_production_database_uses_psycopg_pool_and_keeps_url_options():
    options = print_setting('settings.DATABASES["default"]["OPTIONS"]', **GOOD)

    assert options["sslmode"] == "require"
    assert options["pool"]["max_size"] >= options["pool"]["min_size"] >= 1
    # Statements prepared on their fifth run (tests/helpdesk/test_database.py).
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_production_points_cache_and_celery_at_redis():
    expression = ('[settings.CACHES["default"]["BACKEND"], settings.CACHES["default"]["LOCATION"],'
                  ' __import__("helpdesk.celery").celery.app.conf.broker_url]')

    assert print_setting(expression, **GOOD) == [
        "helpdesk.cache.ForgivingRedisCache", GOOD["REDIS_URL"], GOOD["REDIS_URL"]]


def test_embedded_default_needs_no_variables(tmp_path):
    expression = ('[settings.DATABASES["default"]["ENGINE"], settings.DATABASES["default"]["NAME"],'
                  ' __import__("helpdesk.celery").celery.app.conf.broker_url,'
                  ' settings.CACHES["default"]["BACKEND"], settings.DEBUG]')

    engine, name, broker, cache, debug = print_setting(
        expression, settings="helpdesk.settings.local", DATA_DIR=str(tmp_path))

    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "db.sqlite3")
    assert broker == "filesystem://"
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
    assert debug is True


# What a TLS-terminating proxy adds to every request it forwards.
VIA_TLS_PROXY = {"X-Forwarded-Proto": "https"}
HASHED_STYLESHEET = re.compile(rb'href="(/static/vendor/bootstrap/bootstrap\.min\.\w{12}\.css)"')


def database_url() -> str:
    """The test database as a postgres:// URL, for a server in another process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def get(port, path, host, **headers):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    client.request("GET", path, headers={"Host": host, **headers})
    response = client.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def wait_until_serving(server, port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}")
        try:
            return get(port, "/healthz", "helpdesk.test")
        except OSError:
            time.sleep(0.3)
    pytest.fail("gunicorn did not answer within 30 s")


@pytest.mark.postgres
@pytest.mark.redis
def test_gunicorn_serves_the_portal_and_its_static_files_under_production_settings(
        transactional_db, tenant, tmp_path):
    """The deployment path end to end: collectstatic, gunicorn helpdesk.wsgi behind a TLS proxy."""
    variables = {**GOOD, "DATABASE_URL": database_url(), "REDIS_URL": redis_url_or_skip(),
                 "BASE_DOMAIN": "helpdesk.test", "ALLOWED_HOSTS": "helpdesk.test,.helpdesk.test",
                 "DATA_DIR": str(tmp_path)}
    collected = start([sys.executable, "manage.py", "collectstatic", "--noinput"], **variables)
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "helpdesk.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env={"PATH": os.environ["PATH"], "HOME": str(ROOT), **variables},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        health = wait_until_serving(server, port)
        host = f"{tenant.slug}.helpdesk.test"
        plain = get(port, "/accounts/login/", host)
        status, headers, body = get(port, "/accounts/login/", host, **VIA_TLS_PROXY)
        css = HASHED_STYLESHEET.search(body)
        static = get(port, css.group(1).decode(), host, **VIA_TLS_PROXY,
                     **{"Accept-Encoding": "gzip"}) if css else None
    finally:
        server.terminate()
        server.wait(30)

    assert health[0] == 200
    assert plain[0] == 301
    assert plain[1]["Location"] == f"https://{host}/accounts/login/"
    assert status == 200
    assert "Strict-Transport-Security" in headers
    assert "Secure" in headers["Set-Cookie"]
    assert css, "the page links the hashed, collected stylesheet"
    assert static[0] == 200
    assert static[1]["Content-Encoding"] == "gzip"
    assert "immutable" in static[1]["Cache-Control"]
