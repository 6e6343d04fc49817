"""Real messages from public mail-parser corpora (tests/data/mail/SOURCES.md) read into values:
what each yields is asserted, and no message, however broken, makes the parser fail."""

from pathlib import Path

import pytest

from app.domain.mail import parse

MAIL = Path(__file__).parent.parent / "data" / "mail"
FILES = sorted(p.name for p in MAIL.iterdir() if p.name != "SOURCES.md")

# file: (sender, subject, machine-sent, attachments as (name, type), a piece of the reply text)
EXPECTED: dict[str, tuple[str | None, str, str | None, list[tuple[str | None, str]], str]] = {
    "mikel-basic_email.eml": ("test@lindsaar.net", "Testing 123", None, [], "Hope it works well!"),
    "mikel-raw_email_reply.eml": (
        "xxxxxxxx@xxx.org",
        "Re: Test reply email",
        None,
        [],
        "Message body",
    ),
    "mikel-attachment_pdf.eml": (
        "xxxx@xxxx.com",
        "Another PDF with 🎉 Unicode chars in it 🍿",
        None,
        [("broken.pdf", "application/pdf")],
        "Just attaching another PDF",
    ),
    "mikel-attachment_nonascii_filename.eml": (
        "foo@example.com",
        "testing",
        None,
        [("ciële.txt", "text/plain")],
        "This is the first part.",
    ),
    "mikel-attachment_with_encoded_name.eml": (
        "xxxxxxxxx.xxxxxxx@gmail.com",
        "Fwd: Signed email causes file attachments",
        None,
        [("01 Quien Te Dij\ufffdat. Pitbull.mp3", "application/octet-stream")],
        "---------- Forwarded message ----------\nFrom: xxxxx xxxxxx",
    ),
    "mikel-content_transfer_encoding_qp_with_space.eml": (
        "fyouizjnp@swissonline.ch",
        "Low or High Blood Pressure? We can help.",
        None,
        [],
        "good RX site",
    ),
    "mikel-content_transfer_encoding_text-html.eml": (
        "abhijit.862153drinnan@datavalet.com",
        "Re: We will help you refinance your home.",
        None,
        [],
        "Hello,\nYou have qualified for the lowest rate in years.",
    ),
    "mikel-bad_encoded_subject.eml": (None, "TEST", None, [], "TEST"),
    "mikel-encoding_madness.eml": (
        "no-reply@crm.el-example.org",
        "eBay Bid - 2008 Ford Super Duty F-350 DRW King Ranch Crew Cab 4x4 (156) - Stock# XXXX",
        None,
        [],
        "Body Text",
    ),
    "mikel-missing_body.eml": ("redacted@attglobal.net", "REDACTED", None, [], ""),
    "mikel-raw_email_with_illegal_boundary.eml": (
        "email_test@me.nowhere",
        "Testing outlook",
        None,
        [],
        "This is an ou",
    ),
    "mikel-japanese_iso_2022.eml": ("raasdnil@gmail.com", "まみむめも", None, [], "すみません。"),
    "mikel-ks_c_5601-1987.eml": ("from@example.com", "test", None, [], "스티해"),
    "mikel-report_530.eml": (
        "mailer-daemon@tttttt.com.au",
        "Returned mail: see transcript for details",
        "bounce",
        [],
        "Unknown E-Mail Address",
    ),
    "mikel-multi_address_bounce1.eml": (
        "mailer-daemon@lvmail01.ll.com",
        "Undelivered Mail Returned to Sender",
        "bounce",
        [(None, "message/rfc822")],
        "could not\nbe delivered",
    ),
    "mikel-raw_email_with_mimepart_without_content_type.eml": (
        "mailer-daemon@antivirus.uqam.ca",
        "Warning: could not send message for past 1 day",
        "bounce",
        [(None, "message/rfc822")],
        "THIS IS A WARNING MESSAGE ONLY",
    ),
    "zbateson-m0001.txt": (
        "doug@example.com",
        "Die Hasen und die Frösche (Microsoft Outlook 00)",
        None,
        [],
        "Die Hasen klagten einst über ihre mißliche Lage",
    ),
    "zbateson-m0009.txt": (
        "doug@example.com",
        "Die Hasen und die Frösche (Microsoft Outlook 00)",
        None,
        [],
        "Die Hasen klagten einst über ihre mißliche Lage",
    ),
    "zbateson-m0010.txt": (
        "doug@example.com",
        "Die Hasen und die Frösche (Microsoft Outlook 00)",
        None,
        [],
        'mißliche Lage; "wir leben", sprach ein Redner',
    ),
    "zbateson-m3006.txt": (
        "dwsauder@example.com",
        "The Hare and the Tortoise",
        None,
        [("abc.txt", "text/plain")],
        "A HARE one day ridiculed the short feet",
    ),
    "zbateson-m4001.txt": (
        "doug@example.com",
        "Die Hasen und die Frösche (Microsoft Outlook 00)",
        None,
        [(None, "application/pgp-signature")],
        "Die Hasen und die Frösche",
    ),
    "zbateson-invalid-charset.txt": (
        "doug@example.com",
        "Test invalid charset",
        None,
        [],
        "A HARE one day ridiculed",
    ),
    "spamscope-mail_test_1": (
        "suvorov.s@nalg.ru",
        "письмо уведом-е",
        None,
        [("ФНС_РФ558.zip", "application/octet-stream")],
        "Налогоплательщик!\nИнформируем Вас об имеющейся задолженности.",
    ),
    "spamscope-mail_test_6": (
        "noreply@ggg.com",
        "Быстрее вкладывайте в золото!",
        None,
        [(None, "image/png")] * 4,
        "Профессионалы.ru",
    ),
    "spamscope-mail_malformed_1": ("femucca@tin.it", "immagine", None, [], "Sent from my iPhone"),
    "own-dutch-outlook-reply.eml": (
        "joelle@voorbeeld.nl",
        "RE: Printer werkt niet [#42] – geen verbetering",
        None,
        [],
        "Met vriendelijke groet,\nJoëlle de Vries",
    ),
    "own-greek-qp.eml": (
        "eleni@paradeigma.gr",
        "Πρόβλημα με τον εκτυπωτή",
        None,
        [],
        "Ο εκτυπωτής στον δεύτερο όροφο δεν λειτουργεί από το πρωί.",
    ),
    "own-hungarian-autoreply.eml": (
        "odon.kovacs@pelda.hu",
        "Házon kívül: Nyomtató hiba",
        "auto_reply",
        [],
        "Szabadságon vagyok március 9-ig",
    ),
    "own-thai-html.eml": (
        "somchai@tuayang.co.th",
        "เครื่องพิมพ์เสีย",
        None,
        [],
        "สวัสดีครับ\n\nเครื่องพิมพ์ที่ชั้นสองใช้งานไม่ได้ครับ",
    ),
}


def test_the_corpus_has_twenty_real_messages_and_each_has_its_expectation() -> None:
    assert set(FILES) == set(EXPECTED)
    assert sum(not name.startswith("own-") for name in FILES) >= 20


@pytest.mark.parametrize("name", FILES)
def test_each_message_yields_its_sender_subject_kind_attachments_and_text(name: str) -> None:
    sender, subject, automatic, attachments, text = EXPECTED[name]
    mail = parse((MAIL / name).read_bytes())
    assert mail.sender_email == sender
    assert mail.subject == subject
    assert mail.automatic == automatic
    assert [(a.filename, a.content_type) for a in mail.attachments] == attachments
    assert text in mail.reply
    assert mail.usable
    for value in (mail.subject, mail.text, mail.reply, mail.quoted, mail.sender_name or ""):
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates: storable as it is


def test_names_in_other_scripts_are_decoded_from_their_encoded_words() -> None:
    names = {
        name: parse((MAIL / name).read_bytes()).sender_name
        for name in ("own-dutch-outlook-reply.eml", "own-greek-qp.eml", "own-thai-html.eml")
    }
    assert names == {
        "own-dutch-outlook-reply.eml": "Joëlle de Vries",
        "own-greek-qp.eml": "Ελένη Παπαδοπούλου",
        "own-thai-html.eml": "สมชาย ใจดี",
    }


def test_an_outlook_reply_without_thread_headers_keeps_its_history_apart() -> None:
    mail = parse((MAIL / "own-dutch-outlook-reply.eml").read_bytes())
    assert mail.thread_ids == ()
    assert mail.reply.endswith("Joëlle de Vries")
    assert mail.quoted.startswith("________________________________\nVan: Servicedesk")
    assert "Wilt u de toner vervangen" in mail.quoted
    assert mail.text.startswith("Hallo,") and "Wilt u de toner vervangen" in mail.text


def test_a_reply_chain_lists_what_it_answers_nearest_first() -> None:
    mail = parse((MAIL / "mikel-raw_email_reply.eml").read_bytes())
    assert mail.in_reply_to == ("<348F04F142D69C21-291E56D292BC@xxxx.net>",)
    assert mail.thread_ids[0] == mail.in_reply_to[0]
    assert set(mail.references) <= set(mail.thread_ids) and len(mail.references) == 2


def test_an_html_only_body_loses_its_markup_and_marks_its_quotes() -> None:
    mail = parse((MAIL / "own-thai-html.eml").read_bytes())
    assert "<" not in mail.text and "color:red" not in mail.text
    assert mail.quoted == "> ข้อความเดิม"


def test_sizes_are_of_the_decoded_attachment() -> None:
    pdf = parse((MAIL / "mikel-attachment_pdf.eml").read_bytes()).attachments[0]
    large = parse((MAIL / "zbateson-m3006.txt").read_bytes()).attachments[0]
    assert (pdf.size, large.size) == (1026, 278461)


def test_a_message_without_a_message_id_gets_one_from_its_bytes() -> None:
    raw = (MAIL / "mikel-bad_encoded_subject.eml").read_bytes()
    first, again = parse(raw), parse(raw)
    assert not first.message_id_given and first.message_id == again.message_id
    assert first.message_id.endswith("@inbound.invalid>")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"no headers at all, just words",
        b"Subject: =?utf-8?B?!!!?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
        b"From: <>\r\nContent-Type: text/plain; charset=nonesuch\r\n\r\n\xe9\xe8",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 200,
    ],
)
def test_garbage_never_raises_and_says_whether_anything_is_usable(raw: bytes) -> None:
    mail = parse(raw)
    assert isinstance(mail.usable, bool)
    mail.text.encode("utf-8")
    mail.subject.encode("utf-8")


def test_an_alternative_with_an_empty_plain_part_is_read_from_its_html() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n"
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\n \r\n--b\r\nContent-Type: text/html\r\n\r\n"
        b"<p>Hello <b>there</b></p><p>second</p>\r\n--b--\r\n"
    )
    assert parse(raw).text == "Hello there\n\nsecond"
