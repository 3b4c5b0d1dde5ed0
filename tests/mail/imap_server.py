"""A real IMAP server for the bounce mailbox tests: Debian's Dovecot (dovecot-imapd, installed by
scripts/ensure-system-packages), started with a private configuration on a free loopback port,
its mail in a temporary directory, and stopped after the test."""

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.newsletter.conftest import free_port
from tests.polling import wait_until

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "imap-test-secret"

CONFIG = """
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {uid}
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%u
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
"""


@dataclass
class ImapServer:
    port: int

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        client.select("INBOX")
        try:
            yield client
        finally:
            client.logout()

    def append(self, raw: bytes) -> None:
        with self.client() as client:
            status, data = client.append("INBOX", "", None, raw)
            assert status == "OK", data

    def uids(self) -> list[int]:
        with self.client() as client:
            _status, data = client.uid("SEARCH", "ALL")
            return [int(uid) for uid in data[0].split()]


def _accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail("Dovecot is missing: run scripts/ensure-system-packages (it installs dovecot-imapd)")
    # Not under pytest's own temporary directory: that one is private to us, and Dovecot's mail
    # processes run as another user when the tests run as root.
    with tempfile.TemporaryDirectory(prefix="dovecot-") as directory:
        yield from _dovecot(Path(directory))


def _dovecot(base: Path) -> Iterator[ImapServer]:
    # Dovecot refuses to run mail processes as root; as root, mail belongs to its own system user.
    if os.getuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        names = {"login_user": "dovenull", "internal_user": "dovecot", "internal_group": "dovecot"}
    else:
        mail_user = pwd.getpwuid(os.getuid())
        names = dict.fromkeys(("login_user", "internal_user"), mail_user.pw_name)
        names["internal_group"] = mail_user.pw_name
    (base / "mail").mkdir()
    shutil.chown(base / "mail", mail_user.pw_uid, mail_user.pw_gid)
    base.chmod(0o755)
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    config = base / "dovecot.conf"
    config.write_text(CONFIG.format(base=base, port=port, uid=mail_user.pw_uid, gid=mail_user.pw_gid, **names))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _accepts_connections(port) or process.poll() is not None, timeout=20,
                   what="Dovecot to listen")
        if process.poll() is not None:
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            pytest.fail(f"Dovecot did not start: {process.stdout.read().decode()} {log}")
        yield ImapServer(port=port)
    finally:
        process.terminate()
        process.wait(timeout=20)
