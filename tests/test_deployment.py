"""Static checks of the production deployment files (no Docker, no database, no network).

docker-compose.yml, Dockerfile, .dockerignore, the Makefile, pyproject.toml and the lock files
(requirements/*.txt) are parsed, never run. The list of
environment variables the application reads is taken from config/settings.py with ast, so
these tests do not depend on the settings importing cleanly.
"""

import ast
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "config" / "settings.py"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
PYPROJECT = ROOT / "pyproject.toml"
MAKEFILE = ROOT / "Makefile"
LOCK_BASE = ROOT / "requirements" / "base.txt"
LOCK_DEV = ROOT / "requirements" / "dev.txt"
# The platform `make lock` resolves for (the image's): markers are evaluated against it.
LOCK_TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}

APP_SERVICES = ("web", "worker", "beat")
REQUIRED_SERVICES = (*APP_SERVICES, "redis")
DB_SERVICE_NAMES = ("db", "postgres")
# Read by settings and indispensable in production: each must be set in the compose file.
PRODUCTION_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ALLOWED_HOSTS",
    "DEBUG",
    "SITE_URL",
}
# Must come from the operator's .env with `${VAR:?message}`: no usable default exists.
SECRET_VARIABLES = {"SECRET_KEY", "POSTGRES_PASSWORD"}
# Names an application container may carry although settings.py does not read them.
NON_APP_VARIABLES = {"DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONUNBUFFERED", "TZ"}
NON_APP_PREFIXES = ("POSTGRES_", "PYTHON", "PIP_")
# A complete .env, used to expand ${...} the way Compose would.
SAMPLE_ENV = {
    "SECRET_KEY": "s3cret-key-for-tests",
    "ALLOWED_HOSTS": "filiere.example.org",
    "SITE_URL": "https://filiere.example.org",
    "POSTGRES_PASSWORD": "0123456789abcdef",
}


# --------------------------------------------------------------------------- helpers


def settings_environment_variables() -> list[str]:
    """ENVIRONMENT_VARIABLES from config/settings.py, without importing it."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "ENVIRONMENT_VARIABLES":
                names = ast.literal_eval(value)
                assert all(isinstance(name, str) for name in names)
                return list(names)
    raise AssertionError("config/settings.py declares no ENVIRONMENT_VARIABLES list")


class MissingVariable(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)


def _closing_brace(text: str, start: int) -> int:
    """Index of the brace closing the one at text[start]."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError(f"unbalanced ${{ in {text!r}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Expand a Compose value: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR:?error}, nesting."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char != "$":
            out.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following == "$":
            out.append("$")
            index += 2
        elif following == "{":
            end = _closing_brace(text, index + 1)
            out.append(_expand(text[index + 2 : end], env))
            index = end + 1
        elif match := _NAME.match(text, index + 1):
            out.append(env.get(match.group(), ""))
            index = match.end()
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _expand(expression: str, env: dict[str, str]) -> str:
    match = _BRACED.fullmatch(expression)
    assert match, f"unsupported interpolation ${{{expression}}}"
    name, operator, argument = match.groups()
    is_set, value = name in env, env.get(name, "")
    present = bool(value) if operator and operator.startswith(":") else is_set
    if operator is None:
        return value
    if operator.endswith("-"):
        return value if present else interpolate(argument, env)
    if operator.endswith("?"):
        if not present:
            raise MissingVariable(name, argument)
        return value
    return interpolate(argument, env) if present else ""  # ":+" and "+"


def interpolated_names(text: str) -> set[str]:
    """Every variable name Compose would look up in text."""
    text = text.replace("$$", "")
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def string_values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from string_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from string_values(value)
    elif isinstance(node, str):
        yield node


def as_mapping(environment) -> dict[str, str]:
    """A service's `environment`, given as a mapping or as a list of NAME=value."""
    if environment is None:
        return {}
    if isinstance(environment, dict):
        return {name: "" if value is None else str(value) for name, value in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)


def as_argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def named_volume_mounts(service: dict) -> dict[str, str]:
    """{volume name: container path} for the named volumes a service mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume" and volume.get("source"):
                mounts[volume["source"]] = volume["target"]
            continue
        source, _, rest = volume.partition(":")
        if rest and not source.startswith((".", "/", "~", "$")):
            mounts[source] = rest.split(":")[0]
    return mounts


def dockerfile_instructions() -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw_line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ENV":
            for item in shlex.split(arguments):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def exec_form(arguments: str) -> list[str]:
    value = yaml.safe_load(arguments)  # a JSON array is valid YAML
    assert isinstance(value, list), f"use the exec (JSON array) form, not {arguments!r}"
    return [str(part) for part in value]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compose() -> dict:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    assert isinstance(compose.get("services"), dict), "no services in docker-compose.yml"
    return compose["services"]


@pytest.fixture(scope="module")
def db_name(services) -> str:
    found = [name for name in DB_SERVICE_NAMES if name in services]
    assert found, f"no database service (one of {DB_SERVICE_NAMES})"
    return found[0]


@pytest.fixture(scope="module")
def app_services(services) -> dict:
    """Services running the project's image: the ones that read the Django settings."""
    web_image = services["web"].get("image")
    return {
        name: service
        for name, service in services.items()
        if "build" in service or (web_image and service.get("image") == web_image)
    }


@pytest.fixture(scope="module")
def environment_variables() -> list[str]:
    return settings_environment_variables()


# --------------------------------------------------------------------------- compose: structure


def test_required_services_exist(services, db_name):
    missing = [name for name in REQUIRED_SERVICES if name not in services]
    assert not missing, f"missing services: {missing}"
    assert services[db_name]["image"].split(":")[0] == "postgres"
    assert services[db_name]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


def test_every_long_running_service_has_a_healthcheck(services, db_name):
    for name in (*REQUIRED_SERVICES, db_name):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    for name, service in services.items():
        if str(service.get("restart", "no")) != "no":
            assert service.get("healthcheck"), f"{name} restarts forever but has no healthcheck"


def test_healthcheck_commands(services, db_name):
    def test_of(name):
        return " ".join(as_argv(services[name]["healthcheck"]["test"]))

    assert "pg_isready" in test_of(db_name)
    assert "redis-cli ping" in test_of("redis")
    web_test = test_of("web")
    assert "python" in web_test and "urllib" in web_test and "/healthz/" in web_test
    worker_test = test_of("worker")
    assert re.search(r"celery -A config inspect ping .*-d celery@\$\$HOSTNAME", worker_test)
    assert services["worker"]["healthcheck"]["test"][0] == "CMD-SHELL", "$HOSTNAME needs a shell"
    beat_test = test_of("beat")
    pidfile = as_argv(services["beat"]["command"])
    pidfile = pidfile[pidfile.index("--pidfile") + 1]
    assert pidfile in beat_test and "kill -0" in beat_test
    # The pid file lives on a tmpfs: a stale one would stop beat from restarting.
    assert any(pidfile.startswith(path.rstrip("/") + "/") for path in services["beat"]["tmpfs"])


def test_named_volumes_are_declared(compose, services, db_name):
    declared = set(compose.get("volumes") or {})
    used = {}
    for name, service in services.items():
        for volume in named_volume_mounts(service):
            used.setdefault(volume, []).append(name)
    undeclared = sorted(set(used) - declared)
    assert not undeclared, f"volumes used but not declared at top level: {undeclared}"
    unused = sorted(declared - set(used))
    assert not unused, f"volumes declared but never mounted: {unused}"

    assert "/var/lib/postgresql/data" in named_volume_mounts(services[db_name]).values()
    assert "/data" in named_volume_mounts(services["redis"]).values()


def test_media_and_static_volumes_match_settings_paths(services, app_services):
    env = as_mapping(services["web"]["environment"])
    media_root, static_root = env["MEDIA_ROOT"], env["STATIC_ROOT"]
    # Uploaded files are written by web and read by the worker (background imports).
    for name in ("web", "worker"):
        assert media_root in named_volume_mounts(services[name]).values(), name
    # collectstatic writes STATIC_ROOT: the service running it must mount a volume there.
    collectors = [
        name
        for name, service in app_services.items()
        if "collectstatic" in " ".join(as_argv(service.get("command", [])))
    ]
    assert collectors, "no service runs collectstatic"
    for name in collectors:
        assert static_root in named_volume_mounts(services[name]).values(), name
    # The Dockerfile creates both mount points (owned by the app user) with the same defaults.
    docker_env = dockerfile_env()
    assert docker_env.get("MEDIA_ROOT", media_root) == media_root
    assert docker_env.get("STATIC_ROOT", static_root) == static_root
    run_lines = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert media_root in run_lines and static_root in run_lines


def test_depends_on_conditions(services, db_name, app_services):
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on must use conditions"
        assert depends_on[db_name]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert spec.get("condition") in {
                "service_healthy",
                "service_completed_successfully",
            }, f"{name} -> {dependency}: {spec}"
            if spec["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck"), dependency
            else:
                assert str(services[dependency].get("restart", "no")) == "no", dependency


def test_migrations_run_exactly_once(services, app_services):
    """Either a one-shot migrate service the others wait for, or the web entrypoint."""
    runners = [
        name
        for name, service in app_services.items()
        if "migrate" in " ".join(as_argv(service.get("command", []))).split()
    ]
    if runners:
        assert len(runners) == 1, f"several services run migrate: {runners}"
        runner = runners[0]
        assert runner not in APP_SERVICES
        assert str(services[runner].get("restart", "no")) == "no"
        for name in APP_SERVICES:
            condition = services[name]["depends_on"][runner]["condition"]
            assert condition == "service_completed_successfully", name
    else:
        entrypoint = ROOT / "docker" / "entrypoint.sh"
        assert entrypoint.exists(), "nobody runs the migrations"
        assert "migrate" in entrypoint.read_text(encoding="utf-8")


def test_commands(services):
    web = as_argv(services["web"].get("command") or exec_form(dockerfile_cmd()))
    assert web[0] == "gunicorn" and "config.wsgi:application" in web
    assert "0.0.0.0:8000" in web
    assert web[web.index("--workers") + 1] == "3"
    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        argv = as_argv(services[name]["command"])
        assert argv[0] == "celery", name
        assert argv[argv.index("-A") + 1] == "config", name
        assert subcommand in argv, name


# --------------------------------------------------------------------------- compose: environment


def test_app_services_share_the_same_environment(app_services):
    environments = {name: as_mapping(s.get("environment")) for name, s in app_services.items()}
    reference = environments["web"]
    for name, environment in environments.items():
        assert environment == reference, f"{name} environment differs from web"
    for name, service in app_services.items():
        assert "env_file" not in service, f"{name}: env_file would bypass the checked list"


def test_app_environment_names_are_known_to_settings(app_services, environment_variables):
    allowed = set(environment_variables) | NON_APP_VARIABLES
    for name, service in app_services.items():
        unknown = sorted(
            variable
            for variable in as_mapping(service.get("environment"))
            if variable not in allowed and not variable.startswith(NON_APP_PREFIXES)
        )
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_settings_variables_are_all_set(services, environment_variables):
    env = as_mapping(services["web"]["environment"])
    missing_production = sorted(PRODUCTION_VARIABLES - set(env))
    assert not missing_production, f"not set in docker-compose.yml: {missing_production}"
    assert PRODUCTION_VARIABLES <= set(environment_variables), (
        "settings.py no longer reads one of the production variables"
    )
    missing = sorted(set(environment_variables) - set(env))
    assert not missing, (
        f"settings.py reads {missing}: add them to x-env in docker-compose.yml "
        "and to docs/deployment.md"
    )


def test_secrets_are_required_and_debug_is_off(services):
    env = as_mapping(services["web"]["environment"])
    full = interpolate(env["SECRET_KEY"], SAMPLE_ENV)
    assert full == SAMPLE_ENV["SECRET_KEY"]
    resolved_debug = interpolate(env["DEBUG"], SAMPLE_ENV).strip().lower()
    assert resolved_debug in {"", "0", "false", "no", "off"}, "DEBUG must default to off"
    for secret in SECRET_VARIABLES:
        without = {key: value for key, value in SAMPLE_ENV.items() if key != secret}
        failures = []
        for service in services.values():
            for value in as_mapping(service.get("environment")).values():
                try:
                    interpolate(value, without)
                except MissingVariable as error:
                    failures.append(error.name)
        assert secret in failures, f"{secret} must be taken from ${{{secret}:?...}}"
    # Nothing secret is written in the file itself.
    for name in SECRET_VARIABLES:
        for service in services.values():
            value = as_mapping(service.get("environment")).get(name)
            if value is not None:
                assert value.startswith("${"), f"{name} is hard-coded"


def test_database_and_broker_urls_point_at_the_services(services, db_name):
    env = {
        k: interpolate(v, SAMPLE_ENV) for k, v in as_mapping(services["web"]["environment"]).items()
    }
    db_env = {
        k: interpolate(v, SAMPLE_ENV)
        for k, v in as_mapping(services[db_name].get("environment")).items()
    }

    database = urlsplit(env["DATABASE_URL"])
    assert database.scheme in {"postgres", "postgresql", "pgsql"}
    assert database.hostname == db_name
    assert database.port in (None, 5432)
    assert database.username == db_env.get("POSTGRES_USER", "postgres")
    assert database.password == db_env["POSTGRES_PASSWORD"] == SAMPLE_ENV["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == db_env.get("POSTGRES_DB", database.username)

    databases = {}
    for variable in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        if env.get(variable):
            url = urlsplit(env[variable])
            assert url.scheme in {"redis", "rediss"}, variable
            assert url.hostname == "redis", variable
            databases[variable] = url.path
    # The cache is flushed on its own (a deploy, a full Redis): never in the broker's database.
    assert len(set(databases.values())) == len(databases), databases
    assert "CACHE_URL" in databases


def test_dollar_signs_are_escaped(compose):
    """Compose interpolates every `$`: shell and nginx variables must be written `$$`."""
    for value in string_values(compose):
        bare = re.findall(r"\$(?!\{)", value.replace("$$", ""))
        assert not bare, f"unescaped $ in {value!r}"
        for name in interpolated_names(value):
            assert name.isupper(), f"${name} looks like a shell/nginx variable: write $${name}"


def test_whole_file_interpolates_with_a_complete_env(compose):
    for value in string_values(compose):
        interpolate(value, SAMPLE_ENV)


def test_static_files_are_served(compose, services):
    """gunicorn does not serve /static/: a service must serve STATIC_ROOT."""
    static_root = as_mapping(services["web"]["environment"])["STATIC_ROOT"]
    servers = [
        name
        for name, service in services.items()
        if name not in APP_SERVICES and static_root in named_volume_mounts(service).values()
    ]
    assert servers, "nothing serves the static volume"
    contents = " ".join(
        str(config.get("content", "")) for config in (compose.get("configs") or {}).values()
    )
    assert re.search(rf"location /static/ \{{\s*alias {re.escape(static_root)}/;", contents)
    assert "web:8000" in contents


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_cmd() -> str:
    commands = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert commands, "Dockerfile has no CMD"
    return commands[-1]


def test_dockerfile_runs_the_web_command_as_non_root(services):
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    base = instructions[0]
    assert base[0] == "FROM"
    match = re.match(r"python:3\.(\d+)", base[1])
    assert match and int(match.group(1)) >= 11, base

    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "Dockerfile never leaves root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert keywords.index("CMD") > len(keywords) - 1 - keywords[::-1].index("USER")

    cmd = exec_form(dockerfile_cmd())
    if services["web"].get("command") is not None:
        assert as_argv(services["web"]["command"]) == cmd, "web command differs from CMD"
    exposed = " ".join(args for keyword, args in instructions if keyword == "EXPOSE").split()
    assert "8000" in exposed
    assert cmd[cmd.index("--bind") + 1] == "0.0.0.0:8000"


def test_dockerfile_entrypoint_is_consistent(services):
    entrypoints = [args for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"]
    script = ROOT / "docker" / "entrypoint.sh"
    if not entrypoints:
        # Commands are run directly: compose must not point at a missing script either.
        for name, service in services.items():
            entrypoint = service.get("entrypoint")
            if entrypoint:
                assert "entrypoint.sh" not in " ".join(as_argv(entrypoint)), name
        return
    argv = exec_form(entrypoints[-1])
    assert argv[-1].endswith("entrypoint.sh") or "entrypoint.sh" in " ".join(argv)
    assert script.exists(), "ENTRYPOINT names docker/entrypoint.sh, which does not exist"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!"), "entrypoint.sh needs a shebang"
    assert 'exec "$@"' in text, "entrypoint.sh must exec the CMD it receives"


def test_dockerfile_installs_the_project_and_system_libraries():
    run_lines = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
        "fonts-dejavu-core",
        "gettext",
    ):
        assert package in run_lines.split(), package
    assert re.search(r"pip install (--\S+ )*\.(\s|$)", run_lines), "project not installed"
    assert "compilemessages" in run_lines


def test_dockerfile_env_names_are_known(environment_variables):
    allowed = set(environment_variables) | NON_APP_VARIABLES
    unknown = sorted(
        name
        for name in dockerfile_env()
        if name not in allowed and not name.startswith(NON_APP_PREFIXES)
    )
    assert not unknown, f"Dockerfile sets variables settings.py never reads: {unknown}"


def test_dockerignore_keeps_secrets_out_and_sources_in():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".git", ".venv", ".env"):
        assert pattern in patterns, pattern
    for needed in (
        "pyproject.toml",
        "requirements",
        "manage.py",
        "config",
        "README.md",
        "locale",
        "static",
    ):
        assert needed not in patterns, needed


# --------------------------------------------------------------------------- lock files


class Pin:
    def __init__(self, requirement: Requirement, hashes: set[str]):
        self.requirement = requirement
        self.hashes = hashes
        specifiers = list(requirement.specifier)
        self.version = specifiers[0].version if len(specifiers) == 1 else None
        self.exact = len(specifiers) == 1 and specifiers[0].operator == "==" and not requirement.url


def read_lock(path: Path) -> dict[str, Pin]:
    """{canonical name: Pin} from a requirements file written by `make lock`."""
    logical, pending = [], ""
    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    pins = {}
    for line in logical:
        assert not line.startswith("-"), f"{path.name}: unexpected option line {line!r}"
        requirement, _, rest = line.partition(" --hash=")
        hashes = set(re.findall(r"sha256:[0-9a-f]{64}", "--hash=" + rest if rest else ""))
        pin = Pin(Requirement(requirement.strip()), hashes)
        pins[canonicalize_name(pin.requirement.name)] = pin
    return pins


def project_requirements(pyproject: Path) -> tuple[list[Requirement], list[Requirement]]:
    """([project].dependencies, the `dev` extra) of a pyproject.toml."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(text) for text in project.get("dependencies", [])]
    dev = [Requirement(text) for text in project.get("optional-dependencies", {}).get("dev", [])]
    return runtime, dev


def missing_pins(pyproject: Path, base: Path, dev: Path) -> list[str]:
    """What a lock misses: a dependency of pyproject not pinned, unhashed or out of range."""
    runtime, extra = project_requirements(pyproject)
    problems = []
    for lock, requirements in ((base, runtime), (dev, runtime + extra)):
        pins = read_lock(lock)
        for name, pin in pins.items():
            if not pin.exact:
                problems.append(f"{lock.name}: {pin.requirement} is not pinned with ==")
            if not pin.hashes:
                problems.append(f"{lock.name}: {name} has no --hash")
        for requirement in requirements:
            if requirement.marker and not requirement.marker.evaluate(LOCK_TARGET):
                continue  # not installed on the image's platform
            pin = pins.get(canonicalize_name(requirement.name))
            if pin is None:
                problems.append(f"{lock.name}: {requirement.name} is not pinned")
            elif pin.version and not requirement.specifier.contains(pin.version, prereleases=True):
                problems.append(
                    f"{lock.name}: {requirement.name}=={pin.version} is outside "
                    f"pyproject's {requirement.specifier}"
                )
    return problems


def pin_mismatches(base: Path, dev: Path) -> list[str]:
    """Pins of the runtime lock that the dev lock does not repeat exactly."""
    base_pins, dev_pins = read_lock(base), read_lock(dev)
    problems = []
    for name, pin in base_pins.items():
        other = dev_pins.get(name)
        if other is None:
            problems.append(f"{name} is in {base.name} but not in {dev.name}")
        elif other.version != pin.version:
            problems.append(f"{name}: {pin.version} in {base.name}, {other.version} in {dev.name}")
        elif other.hashes != pin.hashes:
            problems.append(f"{name}: not the same hashes in {base.name} and {dev.name}")
    return problems


STALE_LOCK = "pyproject.toml and requirements/ disagree: run `make lock` and commit both"


@pytest.fixture
def lock_copy(tmp_path) -> dict[str, Path]:
    """pyproject.toml and both lock files, copied to be edited."""
    paths = {}
    for name, source in (("pyproject", PYPROJECT), ("base", LOCK_BASE), ("dev", LOCK_DEV)):
        paths[name] = tmp_path / source.name
        shutil.copy(source, paths[name])
    return paths


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_lock_files_pin_every_dependency_with_hashes():
    problems = missing_pins(PYPROJECT, LOCK_BASE, LOCK_DEV)
    assert not problems, f"{STALE_LOCK}:\n" + "\n".join(problems)


def test_runtime_lock_has_the_dev_lock_versions():
    """Tests run the versions production runs: base.txt is dev.txt's runtime part."""
    problems = pin_mismatches(LOCK_BASE, LOCK_DEV)
    assert not problems, f"{STALE_LOCK}:\n" + "\n".join(problems)
    # The image gets no test tool (PyYAML may be there: drf-spectacular needs it).
    in_base = sorted({"pytest", "ruff", "playwright", "hypothesis"} & set(read_lock(LOCK_BASE)))
    assert not in_base, f"dev tools in the runtime lock: {in_base}"


def test_a_dependency_added_without_make_lock_is_caught(lock_copy):
    assert not missing_pins(lock_copy["pyproject"], lock_copy["base"], lock_copy["dev"])
    edit(lock_copy["pyproject"], "dependencies = [\n", 'dependencies = [\n    "left-pad>=1",\n')
    edit(lock_copy["pyproject"], "dev = [\n", 'dev = [\n    "pytest-left>=2",\n')
    problems = missing_pins(lock_copy["pyproject"], lock_copy["base"], lock_copy["dev"])
    assert problems == [
        "base.txt: left-pad is not pinned",
        "dev.txt: left-pad is not pinned",
        "dev.txt: pytest-left is not pinned",
    ]


def test_a_range_the_lock_no_longer_satisfies_is_caught(lock_copy):
    edit(lock_copy["pyproject"], '"Django>=5.2,<5.3"', '"Django>=6.0,<6.1"')
    problems = missing_pins(lock_copy["pyproject"], lock_copy["base"], lock_copy["dev"])
    assert len(problems) == 2 and all("Django==5.2." in p and ">=6.0" in p for p in problems)


def test_a_pin_without_hashes_or_a_diverging_pin_is_caught(lock_copy):
    version = read_lock(LOCK_BASE)["segno"].version
    base_text = lock_copy["base"].read_text(encoding="utf-8")
    # segno's pin with its hash lines, replaced by a bare pin of another version.
    entry = re.search(rf"^segno=={re.escape(version)}(?: \\\n\s+--hash=\S+)+", base_text, re.M)
    assert entry
    lock_copy["base"].write_text(base_text.replace(entry.group(), "segno==1.6.0"))
    assert "base.txt: segno has no --hash" in missing_pins(
        lock_copy["pyproject"], lock_copy["base"], lock_copy["dev"]
    )
    assert pin_mismatches(lock_copy["base"], lock_copy["dev"]) == [
        f"segno: 1.6.0 in base.txt, {version} in dev.txt"
    ]


def shell_commands(script: str) -> list[list[str]]:
    """A RUN line or recipe split at && and ; into argv lists."""
    return [shlex.split(part) for part in re.split(r"&&|;|\|\|", script) if part.strip()]


def pip_installs(script: str) -> list[list[str]]:
    """The arguments after `pip install` (or `python -m pip install`) in a shell script."""
    found = []
    for argv in shell_commands(script):
        for index in range(len(argv) - 1):
            if argv[index].endswith("pip") and argv[index + 1] == "install":
                found.append(argv[index + 2 :])
                break
    return found


def requirement_files(arguments: list[str]) -> list[str]:
    files = []
    for index, argument in enumerate(arguments):
        if argument in {"-r", "--requirement"}:
            files.append(arguments[index + 1])
        elif argument.startswith("--requirement="):
            files.append(argument.split("=", 1)[1])
    return files


def test_dockerfile_installs_the_hashed_runtime_lock():
    instructions = dockerfile_instructions()
    runs = [(index, args) for index, (keyword, args) in enumerate(instructions) if keyword == "RUN"]
    for _, args in runs:
        assert "pyproject" not in args and "tomllib" not in args, f"resolves pyproject: {args}"
    installs = [(index, pip) for index, args in runs for pip in pip_installs(args)]
    lock_installs = [
        (index, pip) for index, pip in installs if "requirements/base.txt" in requirement_files(pip)
    ]
    assert len(lock_installs) == 1, "the image must install requirements/base.txt once"
    lock_index, lock_install = lock_installs[0]
    assert "--require-hashes" in lock_install and "--no-deps" in lock_install, lock_install
    for _, pip in installs:
        # Anything else (the project itself) must not pull a dependency from outside the lock.
        assert pip == lock_install or "--no-deps" in pip, f"pip install {' '.join(pip)}"
        assert requirement_files(pip) in ([], ["requirements/base.txt"]), pip
    # The lock is copied alone, before the sources, so a code change keeps the layer.
    copies = [(index, args.split()) for index, (keyword, args) in enumerate(instructions)]
    copies = [(index, args) for index, args in copies if instructions[index][0] == "COPY"]
    lock_copies = [index for index, args in copies if "requirements/base.txt" in args[:-1]]
    assert lock_copies and lock_copies[0] < lock_index
    assert all(args[0] != "." for index, args in copies if index < lock_index)


def makefile() -> tuple[dict[str, str], dict[str, tuple[list[str], list[str]]]]:
    """(variables, {target: (prerequisites, recipe lines)}), every $(NAME) expanded."""
    logical, pending = [], ""
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    variables, raw_rules, current = {}, {}, None
    for line in logical:
        if line.startswith("\t"):
            if current is not None:
                raw_rules[current][1].append(line.strip())
            continue
        current = None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*(:=|\?=|=)\s*(.*)$", line):
            name, operator, value = match.groups()
            if operator != "?=" or name not in variables:
                variables[name] = value.strip()
        elif match := re.match(r"([^:#]+?)\s*:(?!=)\s*(.*)$", line):
            current = match.group(1)
            raw_rules[current] = (match.group(2).split(), [])

    def expand(text: str) -> str:
        for _ in range(10):  # $(MAKE) and other unknown names stay as written
            text = re.sub(r"\$\(([A-Za-z_]\w*)\)", lambda m: variables.get(m[1], m[0]), text)
        return text

    rules = {
        expand(target): ([expand(p) for p in prerequisites], [expand(r) for r in recipe])
        for target, (prerequisites, recipe) in raw_rules.items()
    }
    return variables, rules


def test_make_install_uses_the_dev_lock():
    variables, rules = makefile()
    stamp = ".venv/.installed"
    assert variables["STAMP"] == "$(VENV)/.installed" and stamp in rules
    assert stamp in rules["install"][0]
    prerequisites, recipe = rules[stamp]
    # A changed lock file (git pull, make lock) reinstalls an existing .venv.
    for path in ("pyproject.toml", "requirements/base.txt", "requirements/dev.txt"):
        assert path in prerequisites, f"{stamp} does not depend on {path}"
    installs = [pip for line in recipe for pip in pip_installs(line)]
    assert any(
        "--require-hashes" in pip and requirement_files(pip) == ["requirements/dev.txt"]
        for pip in installs
    ), "make install must install requirements/dev.txt with --require-hashes"
    for pip in installs:
        packages = [arg for arg in pip if not arg.startswith("-")]
        assert not any("[" in arg for arg in pip), f"resolves an extra: {pip}"
        if requirement_files(pip):
            assert "--require-hashes" in pip, pip
        elif packages not in (["pip"], ["."]):
            raise AssertionError(f"installs outside the lock: {pip}")
        elif packages == ["."]:
            assert "--no-deps" in pip, f"the project must be installed --no-deps: {pip}"


def test_make_lock_writes_both_files_for_the_image_python():
    _, rules = makefile()
    assert "lock" in rules, "the Makefile has no `lock` target"
    recipe = rules["lock"][1]
    assert any(re.search(r"uv==\d+\.\d+\.\d+", line) for line in recipe), "pin uv's version"
    commands = [argv for line in recipe for argv in shell_commands(line)]
    compiles = [argv for argv in commands if argv[1:3] == ["pip", "compile"]]
    assert [argv[argv.index("--output-file") + 1] for argv in compiles] == [
        "requirements/dev.txt",
        "requirements/base.txt",
    ]
    for argv in compiles:
        assert argv[0].endswith("/uv") and "--generate-hashes" in argv, argv
        assert argv[argv.index("--python-platform") + 1] == "x86_64-unknown-linux-gnu"
        image_python = re.match(r"python:(3\.\d+)", dockerfile_instructions()[0][1]).group(1)
        assert argv[argv.index("--python-version") + 1] == image_python == "3.11"
    dev_compile, base_compile = compiles
    assert dev_compile[dev_compile.index("--extra") + 1] == "dev"
    # The runtime lock is constrained by the dev lock: the same versions in both.
    assert base_compile[base_compile.index("--constraint") + 1] == "requirements/dev.txt"
    assert "--extra" not in base_compile


# --------------------------------------------------------------------------- documentation


def test_deployment_doc_lists_every_variable(compose, environment_variables):
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    compose_level = set()
    for value in string_values(compose):
        compose_level |= {name for name in interpolated_names(value) if name.isupper()}
    missing = sorted(
        name for name in compose_level | set(environment_variables) if f"`{name}`" not in text
    )
    assert not missing, f"docs/deployment.md does not describe {missing}"
    assert "docker compose up -d" in text
    assert "createsuperuser" in text
    assert "pg_dump" in text


def test_docs_say_how_to_change_a_dependency():
    for path in (ROOT / "README.md", DEPLOYMENT_DOC):
        text = path.read_text(encoding="utf-8")
        assert "make lock" in text and "pyproject.toml" in text, path.name


def settings_literal(name: str):
    """A literal assignment of config/settings.py, without importing it."""
    for node in ast.parse(SETTINGS_FILE.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"config/settings.py assigns no literal {name}")


def test_every_routed_queue_is_consumed_by_a_worker_service(services):
    routed = {route["queue"] for route in settings_literal("CELERY_TASK_ROUTES").values()}
    routed.add(settings_literal("CELERY_TASK_DEFAULT_QUEUE"))
    consumed = {}
    for name, service in services.items():
        argv = as_argv(service.get("command", []))
        if argv[:1] == ["celery"] and "worker" in argv:
            for queue in argv[argv.index("-Q") + 1].split(","):
                consumed.setdefault(queue, []).append(name)
            # Each worker service sets its own limits.
            assert int(argv[argv.index("--concurrency") + 1]) >= 1, name
            assert int(argv[argv.index("--max-memory-per-child") + 1]) > 0, name
            assert service.get("mem_limit"), name
            assert "inspect ping" in " ".join(as_argv(service["healthcheck"]["test"])), name
    missing = sorted(routed - set(consumed))
    assert not missing, f"queues no worker service consumes: {missing}"
    assert set(settings_literal("FILIERE_WORKER_QUEUES")) == routed
    # The heavy documents and the imports never share a worker.
    assert not set(consumed["pdf"]) & set(consumed["imports"])


def test_make_run_prints_labels_for_the_port_it_serves():
    """The labels' QR codes carry SITE_URL: `make run PORT=8790` served on 8790 and printed
    codes for 8000, a dead address for the phone that scans them (persona walk)."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    out = subprocess.run(
        ["make", "-n", "run", "PORT=8790"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = next(line for line in out.splitlines() if "runserver" in line)
    assert "runserver 127.0.0.1:8790" in serve
    # A SITE_URL given by the user (the address phones reach) still wins.
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8790}" in serve, serve
