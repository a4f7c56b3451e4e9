"""``python -m adpilot_common.devstack run``: the whole AdPilot stack on loopback (``make run``, launcher tests).

One command brings up a real nats-server (JetStream, data in ``<data-dir>/nats``) and a real PostgreSQL
(``<data-dir>/postgres``), creates and migrates one database per service, then runs the six services as their own
``python -m adpilot_common.serve <service>`` processes, prefixing every log line with the name of the process it came from (honcho-style).

Processes::

    front (this process, in the terminal's foreground group: receives Ctrl-C, forwards it as one SIGTERM)
      `- supervisor (own session, so a terminal Ctrl-C never reaches the servers directly)
           |- nats-server, postgres (+ its backends)
           `- gateway, auth, connectors, ai-copy, metrics, notify   (python -m adpilot_common.serve <name>)

Shutdown is therefore always ordered: services first (SIGTERM, then SIGKILL after ``--stop-timeout``) so they can
drain consumers and the outbox relay while NATS and PostgreSQL are still up, then NATS, then PostgreSQL.

Exit codes: 0 after Ctrl-C/SIGTERM, 1 when something failed or died while running, 2 when the up-front checks
(ports, built web app, data dir not in use) refused to start anything.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any, TextIO

import httpx

from adpilot_common.devstack.nats import NatsServer, nats_server_binary
from adpilot_common.devstack.ports import PortInUseError, ensure_port_free
from adpilot_common.devstack.postgres import PostgresServer

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    env_prefix: str
    default_port: int
    database: str | None  # None: the service has no database of its own (gateway)


GATEWAY = ServiceSpec("gateway", "GATEWAY_", 8000, None)
BACKENDS: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", "AUTH_", 8001, "adpilot_auth"),
    ServiceSpec("connectors", "CONNECTORS_", 8002, "adpilot_connectors"),
    ServiceSpec("ai-copy", "AI_COPY_", 8003, "adpilot_ai_copy"),
    ServiceSpec("metrics", "METRICS_", 8004, "adpilot_metrics"),
    ServiceSpec("notify", "NOTIFY_", 8005, "adpilot_notify"),
)
SERVICES: tuple[ServiceSpec, ...] = (GATEWAY, *BACKENDS)
INFRA_PORTS: dict[str, int] = {"nats": 14222, "postgres": 15432}
DEFAULT_PORTS: dict[str, int] = {**{s.name: s.default_port for s in SERVICES}, **INFRA_PORTS}

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class LaunchError(Exception):
    """A one-line, user-facing reason the stack cannot start or keep running."""


def port_env_var(name: str) -> str:
    return f"ADPILOT_{name.upper().replace('-', '_')}_PORT"


def port_flag(name: str) -> str:
    return f"--{name}-port"


# ---------------------------------------------------------------------------------------------------- status API


def fetch_status(gateway_url: str, timeout_s: float = 2.0) -> dict[str, Any] | None:
    """The gateway's ``GET /api/status`` body, or None while it does not answer with JSON."""
    try:
        response = httpx.get(f"{gateway_url}/api/status", timeout=timeout_s)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return body if response.status_code == 200 and isinstance(body, dict) else None


def not_ready(status: Mapping[str, Any] | None) -> list[str]:
    """Names of the services ``status`` does not report ready (all of them when there is no status)."""
    expected = [s.name for s in BACKENDS]
    if status is None:
        return ["gateway", *expected]
    states = {s.get("name"): s.get("status") for s in status.get("services", []) if isinstance(s, dict)}
    missing = [] if status.get("gateway") == "ok" else ["gateway"]
    return missing + [name for name in expected if states.get(name) != "ready"]


# ---------------------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class StackConfig:
    ports: Mapping[str, int]
    data_dir: Path
    spa_dir: Path
    python: str = sys.executable
    ready_timeout_s: float = 120.0
    stop_timeout_s: float = 15.0
    color: bool = False

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.ports['gateway']}"


def repo_root() -> Path:
    """The workspace checkout this package runs from (the dir holding uv.lock), else the working directory."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "uv.lock").is_file() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adpilot_common.devstack",
        description="Run the whole AdPilot stack (NATS, PostgreSQL, six services) on 127.0.0.1.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="start everything in the foreground; Ctrl-C stops it",
        description="Start NATS, PostgreSQL and the six services on 127.0.0.1; Ctrl-C stops everything.",
    )
    for name, default in DEFAULT_PORTS.items():
        run.add_argument(
            port_flag(name),
            type=int,
            default=None,
            metavar="PORT",
            help=f"{name} port (env {port_env_var(name)}, default {default})",
        )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="NATS and PostgreSQL data (env ADPILOT_DATA_DIR, default <repo>/.data)",
    )
    run.add_argument(
        "--spa-dir",
        type=Path,
        default=None,
        help="built web app the gateway serves (env ADPILOT_SPA_DIR, default <repo>/web/dist)",
    )
    run.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for every service to report ready (default 120)",
    )
    run.add_argument(
        "--stop-timeout",
        type=float,
        default=15.0,
        help="seconds a service gets to exit after SIGTERM before it is killed (default 15)",
    )
    run.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="color the log prefixes (default auto: when stdout is a terminal and NO_COLOR is unset)",
    )
    return parser


def _port(name: str, flag_value: int | None, environ: Mapping[str, str]) -> int:
    if flag_value is not None:
        source, raw = port_flag(name), str(flag_value)
    elif environ.get(port_env_var(name)):
        source, raw = port_env_var(name), environ[port_env_var(name)]
    else:
        return DEFAULT_PORTS[name]
    try:
        port = int(raw)
    except ValueError:
        raise LaunchError(f"{source}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise LaunchError(f"{source}={port} is outside 1-65535")
    return port


def build_config(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> StackConfig:
    ports = {
        name: _port(name, getattr(args, f"{name.replace('-', '_')}_port"), environ) for name in DEFAULT_PORTS
    }
    owners: dict[int, str] = {}
    for name, port in ports.items():
        if port in owners:
            raise LaunchError(f"{owners[port]} and {name} are both configured to use port {port}")
        owners[port] = name
    root = repo_root()
    data_dir = args.data_dir or Path(environ.get("ADPILOT_DATA_DIR") or root / ".data")
    spa_dir = args.spa_dir or Path(environ.get("ADPILOT_SPA_DIR") or root / "web" / "dist")
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not environ.get("NO_COLOR")
    )
    return StackConfig(
        ports=ports,
        data_dir=data_dir.expanduser().resolve(),
        spa_dir=spa_dir.expanduser().resolve(),
        ready_timeout_s=args.ready_timeout,
        stop_timeout_s=args.stop_timeout,
        color=color,
    )


def preflight(config: StackConfig) -> list[str]:
    """Everything that would stop the stack from starting, checked before anything starts (one line each)."""
    problems: list[str] = []
    for name, port in config.ports.items():
        try:
            ensure_port_free(port, name)
        except PortInUseError as exc:
            problems.append(f"{exc} ({port_env_var(name)} or {port_flag(name)})")
    if not (config.spa_dir / "index.html").is_file():
        problems.append(
            f"the web app is not built ({config.spa_dir / 'index.html'} is missing): run `make web` "
            "(needs Node.js 20+), or point --spa-dir/ADPILOT_SPA_DIR at a build"
        )
    try:
        nats_server_binary()
    except FileNotFoundError as exc:
        problems.append(str(exc))
    return problems


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold ``<data-dir>/devstack.lock`` for the life of the stack: one stack per data dir."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = (data_dir / "devstack.lock").open("a+")
    except OSError as exc:
        raise LaunchError(f"cannot use data dir {data_dir}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "?"
        lock.close()
        raise LaunchError(
            f"data dir {data_dir} is in use by another running stack (pid {holder}); stop it first "
            "or choose another --data-dir/ADPILOT_DATA_DIR"
        ) from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


# ---------------------------------------------------------------------------------------------------- output


_COLORS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")
_NAMES = ("devstack", "nats", "postgres", "migrate", *(s.name for s in SERVICES))


class Output:
    """Serialises prefixed lines from many threads onto one stream: ``12:00:01 auth       | ...``."""

    def __init__(self, stream: TextIO, color: bool) -> None:
        self._stream = stream
        self._color = color
        self._lock = threading.Lock()
        self._width = max(len(n) for n in _NAMES)
        self._palette = {name: _COLORS[i % len(_COLORS)] for i, name in enumerate(_NAMES[1:])}

    def line(self, name: str, text: str) -> None:
        prefix = f"{time.strftime('%H:%M:%S')} {name:<{self._width}} |"
        if self._color:
            code = "1" if name == "devstack" else self._palette.get(name, "37")
            prefix = f"\033[{code}m{prefix}\033[0m"
        with self._lock:
            try:
                self._stream.write(f"{prefix} {text.rstrip()}\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass  # the terminal went away: keep shutting down quietly

    def say(self, text: str) -> None:
        self.line("devstack", text)


def _pump(stream: IO[bytes], name: str, out: Output) -> None:
    for raw in iter(stream.readline, b""):
        out.line(name, raw.decode("utf-8", errors="replace"))
    stream.close()


class _LogTail:
    """Follows a log file another process appends to (NATS and PostgreSQL write theirs to the data dir)."""

    def __init__(self, path: Path, name: str, out: Output) -> None:
        self._path = path
        self._name = name
        self._out = out
        self._offset = path.stat().st_size if path.exists() else 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, name=f"tail-{name}", daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        pending = b""
        while True:
            finished = self._done.is_set()
            with contextlib.suppress(OSError), self._path.open("rb") as f:
                f.seek(self._offset)
                chunk = f.read()
                self._offset += len(chunk)
                pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                self._out.line(self._name, raw.decode("utf-8", errors="replace"))
            if finished:
                if pending:
                    self._out.line(self._name, pending.decode("utf-8", errors="replace"))
                return
            self._done.wait(0.2)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=2)


# ---------------------------------------------------------------------------------------------------- the stack


class ChildDiedError(LaunchError):
    pass


class Stack:
    """Starts and supervises everything; :meth:`run` returns the exit code and always leaves nothing running."""

    def __init__(self, config: StackConfig, out: Output, parent_pid: int | None = None) -> None:
        self.config = config
        self.out = out
        self.parent_pid = parent_pid
        self.nats: NatsServer | None = None
        self.postgres: PostgresServer | None = None
        self.services: dict[str, subprocess.Popen[bytes]] = {}
        self._pumps: list[threading.Thread] = []
        self._tails: dict[str, _LogTail] = {}
        self._signals = 0  # SIGINT/SIGTERM/SIGHUP received: 1 = stop gracefully, 2+ = stop now

    # -- signals ---------------------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1  # only a counter: the main loop notices within 0.1 s and does the talking

    @property
    def stopping(self) -> bool:
        if self._signals == 0 and self.parent_pid is not None and os.getppid() != self.parent_pid:
            self.out.say("the launcher process went away; stopping")
            self._signals = 1
        return self._signals > 0

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    # -- run -------------------------------------------------------------------------------------------------

    def run(self) -> int:
        code = EXIT_FAILED
        try:
            code = self._run()
        except LaunchError as exc:
            self.out.say(f"error: {exc}")
        except Exception as exc:
            for text in traceback.format_exception(exc):
                for line in text.splitlines():
                    self.out.say(line)
            self.out.say(f"error: unexpected {type(exc).__name__} in the launcher (traceback above)")
        finally:
            self.shutdown()
        if code == EXIT_OK:
            self.out.say("stopped; bye")
        else:
            self.out.say("stopped after a failure (exit 1)")
        return code

    def _run(self) -> int:
        started = time.monotonic()
        data = self.config.data_dir
        warm = (data / "postgres" / "PG_VERSION").exists()
        self.out.say(f"starting the AdPilot stack ({'reusing' if warm else 'creating'} {data})")

        step = time.monotonic()
        self.nats = NatsServer(self.config.ports["nats"], data / "nats", data / "nats.log")
        self._tails["nats"] = _LogTail(data / "nats.log", "nats", self.out)
        try:
            self.nats.start()
        except (OSError, TimeoutError) as exc:
            raise LaunchError(f"nats-server did not start ({exc}); see {data / 'nats.log'}") from None
        self.out.say(f"NATS listening on {self.nats.url} ({time.monotonic() - step:.1f}s)")
        if self.stopping:
            return EXIT_OK

        step = time.monotonic()
        self.postgres = PostgresServer(
            self.config.ports["postgres"], data / "postgres", data / "postgres.log"
        )
        self._tails["postgres"] = _LogTail(data / "postgres.log", "postgres", self.out)
        try:
            self.postgres.start()
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or [str(exc)]
            raise LaunchError(f"PostgreSQL initdb failed: {detail[0]}") from None
        except (OSError, RuntimeError, TimeoutError) as exc:
            raise LaunchError(f"PostgreSQL did not start ({exc}); see {data / 'postgres.log'}") from None
        self.out.say(f"PostgreSQL listening on {HOST}:{self.postgres.port} ({time.monotonic() - step:.1f}s)")
        if self.stopping:
            return EXIT_OK

        step = time.monotonic()
        urls = self._prepare_databases(self.postgres)
        if urls is None:
            return EXIT_OK
        self.out.say(f"databases migrated to head ({time.monotonic() - step:.1f}s)")

        step = time.monotonic()
        for spec in SERVICES:
            self._start_service(spec, urls)
        if not self._wait_until_ready():
            return EXIT_OK
        self.out.say(f"all services ready ({time.monotonic() - step:.1f}s)")
        self._banner(time.monotonic() - started, warm)

        while not self.stopping:
            self._check_alive()
            time.sleep(0.1)
        return EXIT_OK

    def _prepare_databases(self, postgres: PostgresServer) -> dict[str, str] | None:
        urls = {}
        for spec in BACKENDS:
            assert spec.database is not None
            postgres.create_database(spec.database)
            urls[spec.name] = postgres.url(spec.database)
        # Alembic's env.py calls asyncio.run() and alembic's context is process-global: one worker thread,
        # services one after another. The main thread keeps watching for Ctrl-C meanwhile.
        with ThreadPoolExecutor(1, thread_name_prefix="migrate") as pool:
            future: Future[None] = pool.submit(_migrate_all, urls)
            announced = False
            while not future.done():
                if self.stopping and not announced:
                    self.out.say("stopping after the running migration finishes")
                    announced = True
                time.sleep(0.05)
            try:
                future.result()
            except MigrationError as exc:
                cause = exc.__cause__ or exc
                for text in traceback.format_exception(cause):
                    for line in text.splitlines():
                        self.out.line("migrate", line)
                summary = (str(cause).strip().splitlines() or [""])[0]
                raise LaunchError(
                    f"migrating {exc.service} failed: {type(cause).__name__}: {summary} (traceback above)"
                ) from None
        return None if self.stopping else urls

    def service_env(self, spec: ServiceSpec, database_urls: Mapping[str, str]) -> dict[str, str]:
        assert self.nats is not None
        p = spec.env_prefix
        env = dict(os.environ)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",  # lines reach the prefixer as they are written
                f"{p}ENVIRONMENT": "development",
                f"{p}HTTP_HOST": HOST,
                f"{p}HTTP_PORT": str(self.config.ports[spec.name]),
                f"{p}NATS_URL": self.nats.url,
            }
        )
        if spec.name in database_urls:
            env[f"{p}DATABASE_URL"] = database_urls[spec.name]
        if spec is GATEWAY:
            for backend in BACKENDS:
                key = backend.name.upper().replace("-", "_")
                env[f"GATEWAY_{key}_URL"] = f"http://{HOST}:{self.config.ports[backend.name]}"
            env["GATEWAY_SPA_DIR"] = str(self.config.spa_dir)
        gateway_port = self.config.ports[GATEWAY.name]
        gateway_origins = json.dumps([f"http://{HOST}:{gateway_port}", f"http://localhost:{gateway_port}"])
        if spec.name == "auth":
            # The CSRF Origin check of refresh/logout must accept the gateway's real origin on any port.
            env["AUTH_ALLOWED_ORIGINS"] = gateway_origins
        else:
            # Services (and the gateway's live events) verify access tokens against auth's keys.
            env[f"{p}AUTH_JWKS_URL"] = (
                f"http://{HOST}:{self.config.ports['auth']}/api/auth/.well-known/jwks.json"
            )
        if spec is GATEWAY:
            env["GATEWAY_ALLOWED_ORIGINS"] = gateway_origins  # who may open the live-events WebSocket
        if spec.name in ("connectors", "notify"):
            # OAuth redirect URIs and the links in messages point at the gateway's public origin.
            env[f"{p}PUBLIC_BASE_URL"] = f"http://{HOST}:{self.config.ports[GATEWAY.name]}"
        return env

    def _start_service(self, spec: ServiceSpec, database_urls: Mapping[str, str]) -> None:
        command = [
            self.config.python,
            "-m",
            "adpilot_common.serve",
            spec.name,
            "--host",
            HOST,
            "--port",
            str(self.config.ports[spec.name]),
        ]
        proc = subprocess.Popen(
            command,
            env=self.service_env(spec, database_urls),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.services[spec.name] = proc
        assert proc.stdout is not None
        pump = threading.Thread(
            target=_pump, args=(proc.stdout, spec.name, self.out), name=f"log-{spec.name}", daemon=True
        )
        pump.start()
        self._pumps.append(pump)

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + self.config.ready_timeout_s
        status: dict[str, Any] | None = None
        while not self.stopping:
            self._check_alive()
            status = fetch_status(self.config.gateway_url)
            if not not_ready(status):
                return True
            if time.monotonic() > deadline:
                raise LaunchError(
                    f"not ready after {self.config.ready_timeout_s:.0f}s: {', '.join(not_ready(status))} "
                    "(see their log lines above)"
                )
            self._sleep(0.25)
        return False

    def _check_alive(self) -> None:
        for name, proc in self.services.items():
            code = proc.poll()
            if code is not None:
                raise ChildDiedError(
                    f"{name} exited unexpectedly with code {code} (see the {name} lines above)"
                )
        if self.nats is not None and not self.nats.running:
            raise ChildDiedError(f"nats-server exited unexpectedly; see {self.config.data_dir / 'nats.log'}")
        if self.postgres is not None and self.postgres.started and not self.postgres.running:
            raise ChildDiedError(
                f"PostgreSQL exited unexpectedly; see {self.config.data_dir / 'postgres.log'}"
            )

    def _banner(self, elapsed_s: float, warm: bool) -> None:
        url = self.config.gateway_url
        rule = "=" * 64
        for text in (
            rule,
            f"  AdPilot is running:  {url}/",
            f"  service status:      {url}/api/status",
            f"  data dir:            {self.config.data_dir}",
            f"  started in {elapsed_s:.1f}s ({'warm' if warm else 'cold'} start); press Ctrl-C to stop",
            rule,
        ):
            self.out.say(text)

    # -- shutdown --------------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self._stop_services()
        for pump in self._pumps:
            pump.join(timeout=2)
        if self.nats is not None:
            self.nats.stop()
            self._stop_tail("nats")
            self.out.say("NATS stopped")
        if self.postgres is not None:
            self.postgres.stop()
            self._stop_tail("postgres")
            self.out.say("PostgreSQL stopped")
        for name in list(self._tails):
            self._stop_tail(name)

    def _stop_tail(self, name: str) -> None:
        tail = self._tails.pop(name, None)
        if tail is not None:
            tail.stop()

    def _stop_services(self) -> None:
        running = {name: p for name, p in self.services.items() if p.poll() is None}
        if not running:
            return
        self.out.say(f"stopping {', '.join(running)}")
        started = time.monotonic()
        for proc in running.values():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        graceful_signals = max(self._signals, 1)
        deadline = started + self.config.stop_timeout_s
        while any(p.poll() is None for p in running.values()) and time.monotonic() < deadline:
            if self._signals > graceful_signals:
                self.out.say("second signal: killing what is left")
                break
            time.sleep(0.05)
        for name, proc in running.items():
            if proc.poll() is None:
                self.out.say(f"{name} did not exit in time; killing it")
                proc.kill()
            proc.wait()
        # adpilot_common.serve exits 0 after a graceful stop; anything else is worth reporting.
        codes = {name: p.returncode for name, p in running.items() if p.returncode != 0}
        note = f"; non-zero exits: {codes}" if codes else ""
        self.out.say(f"services stopped ({time.monotonic() - started:.1f}s{note})")


class MigrationError(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


def _migrate_all(database_urls: Mapping[str, str]) -> None:
    from adpilot_common.migrate import upgrade  # alembic is only needed here

    for service, url in database_urls.items():
        try:
            upgrade(service, url)
        except Exception as exc:
            raise MigrationError(service) from exc


# ---------------------------------------------------------------------------------------------------- entry point


def _supervise(config: StackConfig) -> int:
    """Fork the supervisor into its own session; relay our signals to it as SIGTERM and return its exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the supervisor
        code = EXIT_FAILED
        try:
            os.setsid()
            if isinstance(sys.stdout, io.TextIOWrapper):  # never lose a child's line to an odd byte or locale
                sys.stdout.reconfigure(errors="backslashreplace")
            stack = Stack(config, Output(sys.stdout, config.color), parent_pid=parent)
            stack.install_signal_handlers()
            code = stack.run()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = build_config(args)
    except LaunchError as exc:
        print(f"devstack: error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    problems = preflight(config)
    for problem in problems:
        print(f"devstack: error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_REFUSED
    try:
        lock = lock_data_dir(config.data_dir)
    except LaunchError as exc:
        print(f"devstack: error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    with lock:
        return _supervise(config)


def main(argv: Sequence[str] | None = None) -> None:
    raise SystemExit(run(argv))


# ---------------------------------------------------------------------------------------------------- test harness


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    start_ticks: int  # with pid, identifies the process even after its pid is reused
    cmdline: str

    def alive(self) -> bool:
        """Still running (a zombie or a new process that reuses the pid does not count)."""
        info = _proc_stat(self.pid)
        return info is not None and info[2] == self.start_ticks and info[0] != "Z"


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time in clock ticks) from /proc/<pid>/stat, or None once the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # after "pid (comm)": field 3 (state) is index 0
    return fields[0], int(fields[1]), int(fields[19])


def process_tree(root_pid: int) -> list[ProcessInfo]:
    """``root_pid`` and all its descendants (Linux /proc), parents first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _proc_stat(int(entry))) is not None:
            children.setdefault(stat[1], []).append(int(entry))
    tree: list[ProcessInfo] = []
    queue = [root_pid]
    while queue:
        pid = queue.pop(0)
        stat = _proc_stat(pid)
        if stat is None:
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmdline = ""
        tree.append(ProcessInfo(pid, stat[2], cmdline.strip()))
        queue.extend(children.get(pid, []))
    return tree


def free_ports(names: Sequence[str] = tuple(DEFAULT_PORTS)) -> dict[str, int]:
    """A distinct free loopback port for each name."""
    from adpilot_common.devstack.ports import free_port

    ports: dict[str, int] = {}
    while len(ports) < len(names):
        port = free_port()
        if port not in ports.values():
            ports[names[len(ports)]] = port
    return ports


class LauncherProcess:
    """``python -m adpilot_common.devstack run`` as a child process, for tests and scripts.

    It runs in its own session (as a shell job would), so :meth:`interrupt` can do exactly what Ctrl-C in a
    terminal does: SIGINT to the launcher's whole process group.
    """

    def __init__(
        self,
        data_dir: Path,
        log_file: Path,
        ports: Mapping[str, int] | None = None,
        spa_dir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.data_dir = data_dir
        self.log_file = log_file
        self.ports = dict(ports or free_ports())
        self.spa_dir = spa_dir or repo_root() / "web" / "dist"
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None
        self.seen: dict[tuple[int, int], ProcessInfo] = {}

    @property
    def gateway_url(self) -> str:
        return f"http://{HOST}:{self.ports['gateway']}"

    def command(self) -> list[str]:
        args = [sys.executable, "-m", "adpilot_common.devstack", "run", "--data-dir", str(self.data_dir)]
        args += ["--spa-dir", str(self.spa_dir), "--color", "never"]
        for name, port in self.ports.items():
            args += [port_flag(name), str(port)]
        return [*args, *self.extra_args]

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def _tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_ready(self, timeout_s: float = 180.0) -> float:
        """Block until the gateway reports every service ready and the banner is out; returns the seconds taken."""
        assert self.proc is not None, "start() first"
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            self.remember_processes()
            if self.proc.poll() is not None:
                raise RuntimeError(f"launcher exited with {self.proc.returncode}:\n{self._tail()}")
            if not not_ready(fetch_status(self.gateway_url)) and "AdPilot is running" in self.output():
                return time.monotonic() - started
            time.sleep(0.2)
        raise TimeoutError(f"stack not ready after {timeout_s:.0f}s:\n{self._tail()}")

    def remember_processes(self) -> list[ProcessInfo]:
        """The launcher's current process tree; every process ever seen is kept in :attr:`seen`."""
        tree = process_tree(self.proc.pid) if self.proc is not None else []
        self.seen.update({(p.pid, p.start_ticks): p for p in tree})
        return tree

    def survivors(self) -> list[ProcessInfo]:
        return [p for p in self.seen.values() if p.alive()]

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the launcher's process group."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGINT)

    def terminate(self) -> None:
        """SIGTERM to the launcher process only (what a process manager does)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout_s: float = 90.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout_s)

    def close(self) -> None:
        """Make sure nothing is left running, whatever state the test left the stack in."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.remember_processes()
            self.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for leftover in self.survivors():
            with contextlib.suppress(ProcessLookupError):
                os.kill(leftover.pid, signal.SIGKILL)

    def __enter__(self) -> LauncherProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
