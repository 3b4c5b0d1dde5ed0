"""One outgoing connection, reused for a whole batch, with DKIM signing and clear failure kinds.

Django's SMTP backend opens and logs in; the message itself goes through `sendmail` here so
that each failure can be told apart: a 4xx answer is temporary (retry later), a 5xx answer
is permanent (the address goes on the suppression list), a dropped connection is temporary
and the next message gets a fresh connection, and a server that cannot be reached at all is
`unreachable` (the caller puts the work back without counting a try). Other backends
(console, locmem, file) are used as they are, without signing.
"""

import contextlib
import email.policy
import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from mail.dkim import DkimConfig, DkimSigner, dkim_signer
from mail.messages import RawMessage
from mail.throughput import mail_from, rcpt_to

logger = logging.getLogger(__name__)

# RFC 8058 section 4: the signature must cover both List-Unsubscribe headers.
DKIM_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post",
    b"list-id", b"mime-version", b"content-type",
)


class SendFailed(Exception):
    """`unreachable`: no connection to the mail server could be opened, so nothing was sent and
    the failure says nothing about the recipient."""

    def __init__(self, *, permanent: bool, detail: str, code: int | None = None, unreachable: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent
        self.detail = detail[:480]
        self.code = code
        self.unreachable = unreachable


def dkim_config() -> DkimConfig | None:
    if settings.DKIM_PRIVATE_KEY and settings.DKIM_SELECTOR and settings.DKIM_DOMAIN:
        return DkimConfig(
            settings.DKIM_PRIVATE_KEY.encode(), settings.DKIM_SELECTOR.encode(), settings.DKIM_DOMAIN.encode()
        )
    return None


def _code_of(error: smtplib.SMTPException, recipient: str) -> tuple[int | None, str]:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        return code, text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        return error.smtp_code, text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return None, str(error)


def _reset(smtp: smtplib.SMTP) -> None:
    """End a refused transaction; a server that hung up meanwhile leaves the original error to report."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


class Transport:
    """Use as a context manager around a batch; `send` raises SendFailed for each failure."""

    def __init__(self, alias: str = "default") -> None:
        self.backend = mailers[alias]
        self.is_smtp = isinstance(self.backend, SmtpBackend)
        config = dkim_config() if self.is_smtp else None
        self.signer: DkimSigner | None = dkim_signer(config, DKIM_HEADERS) if config else None

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.backend.close()
        except (OSError, smtplib.SMTPException):
            logger.info("closing the SMTP connection failed", exc_info=True)

    def send(self, message: EmailMessage | RawMessage, before_accept: Callable[[], None] | None = None) -> None:
        """Send one message; `before_accept` runs after RCPT TO, right before DATA (where the
        server accepts the message)."""
        if not self.is_smtp:
            self.backend.send_messages([message.as_django() if isinstance(message, RawMessage) else message])
            return
        if isinstance(message, RawMessage):
            # Envelope addresses were made ASCII (IDNA) when the message was built.
            sender = message.envelope_sender or message.from_email
            recipient, data = message.to_email, message.data
        else:
            sender = self.backend.prep_address(message.from_email)
            recipient = self.backend.prep_address(message.to[0])
            data = message.message(policy=email.policy.SMTP).as_bytes()
        try:
            self.backend.open()
        except OSError as error:  # refused, timed out, no greeting, login refused (smtplib's errors are OSErrors)
            self._drop()
            raise SendFailed(permanent=False, detail=f"server unreachable: {error}", unreachable=True) from error
        try:
            if self.signer:
                data = self.signer.sign(data)
            self._transaction(self.backend.connection, sender, recipient, data, before_accept)
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            raise SendFailed(permanent=False, detail=f"disconnected: {error}") from error
        except smtplib.SMTPException as error:
            code, text = _code_of(error, recipient)
            raise SendFailed(permanent=bool(code and 500 <= code < 600), detail=f"{code} {text}", code=code) from error
        except OSError as error:
            self._drop()
            raise SendFailed(permanent=False, detail=f"connection: {error}") from error

    @staticmethod
    def _transaction(
        smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes, before_accept: Callable[[], None] | None
    ) -> None:
        """smtplib's sendmail for one recipient, with a hook before DATA."""
        smtp.ehlo_or_helo_if_needed()
        options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
        code, answer = mail_from(smtp, sender, options)
        if code != 250:
            if code == 421:
                smtp.close()
            else:
                _reset(smtp)
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        code, answer = rcpt_to(smtp, recipient)
        if code not in (250, 251):
            if code == 421:
                smtp.close()
            else:
                _reset(smtp)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
        if before_accept is not None:
            before_accept()
        try:
            code, answer = smtp.data(data)
        except smtplib.SMTPDataError:  # DATA itself refused: end the transaction before the next one
            _reset(smtp)
            raise
        if code != 250:
            if code == 421:
                smtp.close()
            else:
                _reset(smtp)
            raise smtplib.SMTPDataError(code, answer)

    def _drop(self) -> None:
        """Forget a broken connection so that the next send opens a new one."""
        connection, self.backend.connection = self.backend.connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()
