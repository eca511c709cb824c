"""Event bodies come back byte for byte from JSON.stringify(JSON.parse(body))."""

from __future__ import annotations

import base64
import json
import random
import subprocess
from pathlib import Path

import pytest

from app.kit import jsonbody

ROUNDTRIP_JS = Path(__file__).with_name("roundtrip.js")
TRICKY = [
    "Réunion à 15h — café ☕ naïve Ærø",
    "emoji 😀🎉👩‍👩‍👧 and CJK 会议记录 한국어 日本語",
    "quotes \"double\" 'single' and back\\slash \\n literal",
    "controls \x00\x01\x07\b\t\n\x0b\f\r\x1b\x1f and DEL \x7f",
    "separators \u2028 and \u2029 and NEL \x85 and BOM \ufeff",
    "slash / and </script> and \u0000",
    "lone surrogates \ud800 and \udfff, a split pair \ud83d\ude00",
    "",
]


def node_roundtrip(bodies: list[bytes]) -> list[bytes]:
    """What Node's JSON.stringify(JSON.parse(body)) gives back for each body."""
    payload = json.dumps([base64.b64encode(b).decode() for b in bodies])
    done = subprocess.run(
        ["node", str(ROUNDTRIP_JS)],
        input=payload.encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    return [base64.b64decode(a["again"]) for a in json.loads(done.stdout)]


def random_document(rng: random.Random) -> dict:
    extra = "é😀中\u2028\u2029\ufeff\ud800\udc00"
    alphabet = [chr(c) for c in range(0x80)] + list(extra)
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
    key = rng.choice(["0", "7", "10", "01", "-1", "1.5", "4294967294", "4294967295"])
    number = rng.choice([0, 2**53 - 1, 2**60, 3.0])
    return {"s": text, key: text, "n": number, text: [1]}


def test_tricky_strings_survive_node_roundtrip_exactly():
    bodies = [jsonbody.encode({"id": "evt_1", "data": {"subject": s}}) for s in TRICKY]

    assert node_roundtrip(bodies) == bodies


def test_random_documents_survive_node_roundtrip_exactly():
    rng = random.Random(20261204)
    bodies = [jsonbody.encode(random_document(rng)) for _ in range(500)]

    assert node_roundtrip(bodies) == bodies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1f", '"\\u001f"'),
        ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
        ("\u2028", '"\u2028"'),
        ("/", '"/"'),
        ("\ud800", '"\\ud800"'),
        ("\ud83d\ude00", '"😀"'),
        ('"\\', '"\\"\\\\"'),
    ],
)
def test_strings_are_escaped_as_javascript_does(text, expected):
    assert jsonbody.dumps(text) == expected


def test_keys_that_are_array_indexes_come_first_in_numeric_order():
    body = jsonbody.dumps({"b": 1, "10": 2, "2": 3, "01": 4, "a": 5})

    assert body == '{"2":3,"10":2,"b":1,"01":4,"a":5}'


def test_numbers_stay_integers_javascript_can_hold():
    body = jsonbody.dumps([2**53 - 1, 2**53, 3.0, 0.5, float("nan"), True, None])

    assert body == '[9007199254740991,"9007199254740992",3,"0.5",null,true,null]'


def test_output_is_compact_utf8_without_ascii_escapes():
    assert jsonbody.encode({"a": ["é", {}]}) == '{"a":["é",{}]}'.encode()


def test_values_that_are_not_json_are_refused():
    with pytest.raises(TypeError):
        jsonbody.dumps({"raw": b"bytes"})
    with pytest.raises(TypeError):
        jsonbody.dumps({1: "non-string key"})
