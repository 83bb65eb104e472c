"""A real IMAP server for tests: Debian's dovecot, started on a free loopback port in a temporary folder."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
    mode = 0666
  }}
  unix_listener stats-writer {{
    user = {user}
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    root: Path, user: str = "mcu@example.ru", password: str = "imap-test-42"
) -> tuple[ImapServer, subprocess.Popen]:
    if not Path(DOVECOT).exists():
        raise RuntimeError("dovecot не установлен: выполните scripts/system-deps.sh (пакет dovecot-imapd)")
    # As root, dovecot's processes run as its own unprivileged user; otherwise as the current user.
    account = pwd.getpwnam("dovecot") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    group = account.pw_gid
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "users").write_text(f"{user}:{{PLAIN}}{password}\n", encoding="utf-8")
    port = _free_port()
    import grp

    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(root=root, user=account.pw_name, group=grp.getgrgid(group).gr_name, port=port),
        encoding="utf-8",
    )
    if os.getuid() == 0:
        for path in [root, *root.rglob("*")]:
            os.chown(path, account.pw_uid, group)
        os.chmod(root, 0o755)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (
                (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            )
            out = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"dovecot не запустился: {out}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError("dovecot не открыл порт за 20 секунд")
    return ImapServer("127.0.0.1", port, user, password, root), process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
