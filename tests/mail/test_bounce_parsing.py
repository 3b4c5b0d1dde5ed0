"""Reading one message of the bounce mailbox (mail.bounces.bounce_parse): delivery-status
notifications, non-standard bounces, complaint reports and auto-replies in the formats the big
mailbox providers and mail servers send, and what is not any of these."""

import pytest

from mail.bounces import BounceRecipient, BounceUnreadable, bounce_parse
from mail.verp import verp_address

from .bounce_samples import sample

MESSAGE_ID = "<c7.d42.0123456789abcdef0123456789abcdef@ilumen.be>"


@pytest.fixture
def verp(settings) -> str:
    settings.MAIL_BOUNCE_DOMAIN = "bounces.ilumen.be"
    return verp_address(key="d42")


def _parse(name: str, verp: str, **replace: str):
    raw = sample(name, verp=verp, message_id=MESSAGE_ID)
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return bounce_parse(raw=raw)


def test_a_gmail_delivery_status_notification_is_a_hard_bounce_of_its_recipient(verp):
    report = _parse("gmail_dsn_hard", verp)
    assert report.kind == "hard"
    (recipient,) = report.recipients
    assert (recipient.address, recipient.kind, recipient.status) == ("ann@example.com", "hard", "5.1.1")
    assert recipient.diagnostic.startswith("smtp; 550-5.1.1 The email account that you tried to reach does not exist")
    assert "p=NoSuchUser" in recipient.diagnostic  # the folded lines joined
    assert (report.verp_key, report.message_id) == ("d42", MESSAGE_ID)


def test_an_outlook_report_quoting_only_the_headers(verp):
    report = _parse("outlook_dsn_hard", verp)
    assert report.recipients == (BounceRecipient(
        address="bob@example.org", kind="hard", status="5.1.10",
        diagnostic="smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient bob@example.org not found by SMTP "
                   "address lookup",
    ),)
    assert (report.kind, report.verp_key, report.message_id) == ("hard", "d42", MESSAGE_ID)


def test_a_postfix_report_with_a_4xx_status_is_a_soft_bounce(verp):
    report = _parse("postfix_dsn_soft", verp)
    assert report.kind == "soft"
    assert report.recipients == (BounceRecipient(
        address="carol@example.net", kind="soft", status="4.2.2", diagnostic="smtp; 452 4.2.2 Mailbox full"),)
    assert (report.verp_key, report.message_id) == ("d42", MESSAGE_ID)


def test_the_status_decides_hard_or_soft_whoever_wrote_the_report(verp):
    assert _parse("gmail_dsn_hard", verp, **{"Status: 5.1.1": "Status: 4.2.2"}).recipients[0].kind == "soft"
    assert _parse("postfix_dsn_soft", verp, **{"Status: 4.2.2": "Status: 5.2.2"}).kind == "hard"


def test_a_delay_notice_is_not_a_bounce(verp):
    report = _parse("postfix_delayed", verp)
    assert (report.kind, report.recipients) == ("ignored", ())


def test_only_the_failed_recipients_of_a_report_count(verp):
    raw = sample("postfix_delayed", verp=verp, message_id=MESSAGE_ID).replace(
        b"Will-Retry-Until: Sun,  6 Dec 2026 09:14:01 +0100 (CET)\n",
        b"\nFinal-Recipient: rfc822; erin@example.net\nAction: failed\nStatus: 5.1.1\n",
    )
    report = bounce_parse(raw=raw)
    assert [(r.address, r.kind) for r in report.recipients] == [("erin@example.net", "hard")]


def test_an_exim_bounce_is_read_by_flufl_bounce(verp):
    report = _parse("exim_hard", verp)
    assert report.kind == "hard"
    (recipient,) = report.recipients
    assert (recipient.address, recipient.kind, recipient.status) == ("erin@example.org", "hard", "5.1.1")
    assert "User unknown" in recipient.diagnostic
    # Exim copies the message into its text: the Message-ID is found there.
    assert (report.verp_key, report.message_id) == ("d42", MESSAGE_ID)


def test_a_yahoo_feedback_loop_report_is_a_complaint_tied_by_the_quoted_return_path(verp):
    report = _parse("yahoo_arf_complaint", verp)
    assert report.kind == "complaint"
    assert report.recipients == (BounceRecipient(
        address="frank@yahoo.com", kind="complaint", diagnostic="Feedback-Type: abuse"),)
    # Delivered to the feedback loop address, not ours: the quoted message's Return-Path is.
    assert (report.verp_key, report.message_id) == ("d42", MESSAGE_ID)


def test_a_microsoft_report_with_the_address_redacted(verp):
    report = _parse("microsoft_arf_complaint", verp)
    assert report.kind == "complaint"
    assert [(r.address, r.kind) for r in report.recipients] == [("", "complaint")]
    assert (report.verp_key, report.message_id) == (None, MESSAGE_ID)


def test_a_feedback_report_that_is_not_a_complaint_is_ignored(verp):
    report = _parse("yahoo_arf_complaint", verp, **{"Feedback-Type: abuse": "Feedback-Type: not-spam"})
    assert (report.kind, report.recipients) == ("ignored", ())


@pytest.mark.parametrize("name", ["gmail_vacation", "exim_vacation_autoreply"])
def test_auto_replies_are_ignored(verp, name):
    report = _parse(name, verp)
    assert (report.kind, report.recipients, report.note) == ("ignored", (), "auto-reply")


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "X-Autoreply: yes", "Precedence: auto_reply"])
def test_each_auto_reply_header_alone_says_so(verp, header):
    raw = b"From: grace@example.org\nTo: %s\nSubject: Away\n%s\n\nOn holiday.\n" % (verp.encode(), header.encode())
    assert bounce_parse(raw=raw).kind == "ignored"


def test_a_persons_reply_is_left_for_a_person(verp):
    with pytest.raises(BounceUnreadable):
        _parse("person_reply", verp)


@pytest.mark.parametrize(
    "raw", [b"", b"\x00\xff garbage", b"Content-Type: multipart/report; report-type=delivery-status"]
)
def test_anything_else_is_unreadable_never_an_error(verp, raw):
    with pytest.raises(BounceUnreadable):
        bounce_parse(raw=raw)


def test_undecodable_headers_and_unknown_charsets_are_read_as_well_as_they_can_be(verp):
    raw = sample("person_reply", verp=verp).replace(b"From: Heidi", b"From: H\xe9idi")
    with pytest.raises(BounceUnreadable):  # flufl.bounce's detectors fail on compat32's Header objects
        bounce_parse(raw=raw)
    report = _parse("exim_hard", verp, **{"charset=us-ascii": "charset=x-unheard-of"})
    assert (report.kind, report.recipients[0].status, report.message_id) == ("hard", "5.1.1", MESSAGE_ID)


def test_a_failed_recipient_without_an_address_is_unreadable(verp):
    with pytest.raises(BounceUnreadable):
        _parse("gmail_dsn_hard", verp, **{"Final-Recipient: rfc822; ann@example.com": "Final-Recipient: x400; ann"})


def test_a_forged_verp_address_gives_no_key(verp):
    local, _at, domain = verp.partition("@")
    forged = f"{local[:-13]}{'a' * 13}@{domain}"  # the same form with another signature
    assert _parse("gmail_dsn_hard", forged).verp_key is None
    assert _parse("gmail_dsn_hard", verp.replace("d42", "d43")).verp_key is None  # another message's key
