"""The transport over a real SMTP server: a refused recipient ends its transaction, so the
next message on the same connection goes through."""

from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage

from mail.transport import SendFailed, Transport
from tests.newsletter.conftest import SmtpServer, free_port


@dataclass
class RcptRefusingServer(SmtpServer):
    """Refuses the `permanent` addresses at RCPT TO, before any DATA."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.permanent:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp(settings):
    server = RcptRefusingServer(port=free_port(), permanent={"gone@example.com"})
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5}}}
    yield server
    controller.stop()


def test_a_refused_recipient_does_not_block_the_next_message_on_the_connection(refusing_smtp):
    with Transport() as transport:
        with pytest.raises(SendFailed) as refused:
            transport.send(EmailMessage("Hi", "body", "info@ilumen.be", ["gone@example.com"]))
        transport.send(EmailMessage("Hi", "body", "info@ilumen.be", ["ann@example.com"]))
    assert (refused.value.permanent, refused.value.code) == (True, 550)
    assert [r.rcpt for r in refusing_smtp.received] == ["ann@example.com"]
    assert refusing_smtp.connections == 1
