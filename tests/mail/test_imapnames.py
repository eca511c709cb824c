"""LIST and STATUS answers in the shapes servers send (Dovecot only uses some)."""

import pytest

from app.mail.imapnames import (
    BadFolderName,
    ListedFolder,
    mailbox_arg,
    parse_list,
    parse_status,
)


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("INBOX", '"INBOX"'),
        ("Back\\slash", '"Back\\\\slash"'),
        ('Quote"Folder', '"Quote\\"Folder"'),
        ("A&B", '"A&-B"'),
        ("Données/Été 😀", '"Donn&AOk-es/&AMk-t&AOk- &2D3eAA-"'),
    ],
)
def test_mailbox_arg_quotes_and_encodes(name, wire):
    assert mailbox_arg(name) == wire


@pytest.mark.parametrize("name", ["a\rb", "a\nb", "a\x00b"])
def test_mailbox_arg_refuses_line_breaks_and_nul(name):
    with pytest.raises(BadFolderName, match="line breaks"):
        mailbox_arg(name)


def test_list_answer_with_atoms_quoted_strings_nil_and_literals():
    data = [
        b'(\\HasNoChildren) "/" INBOX',
        b'(\\HasNoChildren) "/" "Back\\\\slash"',
        b'(\\HasNoChildren) "." "Quote\\"Folder"',
        b"(\\Noselect) NIL Flat",
        (b'(\\HasNoChildren \\Sent) "/" {12}', b'Quote"Lit\\er'),
        b"",
        b'(\\Marked) "\\\\" A&-B',
        b'(\\HasNoChildren) "/" "Donn&AOk-es/&AMk-t&AOk- &2D3eAA-"',
        b"not a list line",
    ]

    assert parse_list(data) == [
        ListedFolder("INBOX", "/", ("\\HasNoChildren",)),
        ListedFolder("Back\\slash", "/", ("\\HasNoChildren",)),
        ListedFolder('Quote"Folder', ".", ("\\HasNoChildren",)),
        ListedFolder("Flat", None, ("\\Noselect",)),
        ListedFolder('Quote"Lit\\er', "/", ("\\HasNoChildren", "\\Sent")),
        ListedFolder("A&B", "\\", ("\\Marked",)),
        ListedFolder("Données/Été 😀", "/", ("\\HasNoChildren",)),
    ]


def test_status_answer_with_a_name_holding_parentheses():
    assert parse_status([b'"a (b) c" (MESSAGES 3 UNSEEN 1)']) == {
        "MESSAGES": 3,
        "UNSEEN": 1,
    }
    assert parse_status([(b"{5}", b"a (b)"), b" (MESSAGES 0)"]) == {"MESSAGES": 0}
