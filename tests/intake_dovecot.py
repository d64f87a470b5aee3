"""A real IMAP server for the tests: Debian's dovecot with a throw-away configuration.

Plain LOGIN over loopback, one passwd-file user, mail in a Maildir that the tests write into
directly (as a delivery agent would). Started on a free loopback port, stopped by process id.
"""

from __future__ import annotations

import getpass
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from samples.servers import free_port, stop_process, wait_for_port

USER, PASSWORD = "cqdsspzb", "红岩-test-密码".encode().hex()


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    maildir: Path
    uid: int
    gid: int

    def deliver(self, raw: bytes) -> Path:
        """Drop a message into the inbox's new/ folder as an MDA does (write to tmp/, then rename)."""
        name = f"{uuid.uuid4().hex}.guangying-test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid) if os.geteuid() == 0 else None
        final = self.maildir / "new" / name
        tmp.rename(final)
        return final


_CONFIG = """\
base_dir = {run}
state_dir = {state}
log_path = {log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
last_valid_uid = 0
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _wait_for_login(port: int, timeout: float = 20.0) -> None:
    """The listener opens before the auth service is ready: log in until it works."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = imaplib.IMAP4("127.0.0.1", port)
            conn.login(USER, PASSWORD)
            conn.logout()
            return
        except (imaplib.IMAP4.error, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def dovecot(config_dir: Path) -> Iterator[ImapServer]:
    """dovecot in the foreground; its configuration in `config_dir` (the test's tmp_path)."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        raise FileNotFoundError("dovecot not found: apt-get install dovecot-imapd (the Makefile does)")
    config_dir.mkdir(parents=True, exist_ok=True)
    root_user = os.geteuid() == 0
    # Running as root, dovecot refuses mail access as uid 0 and its unprivileged helpers must reach
    # the sockets and the Maildir: those live in a world-traversable temp folder, not pytest's 0700 one.
    runtime = Path(tempfile.mkdtemp(prefix="guangying-dovecot-")) if root_user else config_dir
    runtime.chmod(0o755)
    if root_user:
        nobody = pwd.getpwnam("nobody")
        uid, gid, users = nobody.pw_uid, nobody.pw_gid, ""
    else:
        me = getpass.getuser()
        uid, gid = os.getuid(), os.getgid()
        users = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    home = runtime / "home"
    maildir = home / USER / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (runtime / "run").mkdir()
    (runtime / "state").mkdir()
    if root_user:
        for path in [home, *home.rglob("*")]:
            os.chown(path, uid, gid)
    passwd = runtime / "passwd"  # read by the auth process, which runs as the dovecot user
    passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port = free_port()
    config = config_dir / "dovecot.conf"
    config.write_text(
        _CONFIG.format(
            run=runtime / "run",
            state=runtime / "state",
            log=config_dir / "dovecot.log",
            uid=uid,
            gid=gid,
            users=users,
            passwd=passwd,
            home=home,
            port=port,
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(port, timeout=30, process=process)
        _wait_for_login(port)
        yield ImapServer("127.0.0.1", port, USER, PASSWORD, maildir, uid, gid)
    finally:
        stop_process(process)
        if root_user:
            shutil.rmtree(runtime, ignore_errors=True)
