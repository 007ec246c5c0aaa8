"""Signed checkpoints in the C2SP signed-note format: signing, rotation, cosignatures, and
every way a note is refused."""

from __future__ import annotations

import pytest
from consent_ledger.core.notes import (
    COSIGNATURE,
    Checkpoint,
    NoteError,
    NoteSigner,
    NoteVerifier,
    SignedNote,
    open_checkpoint,
)

CP = Checkpoint("gemeente.example/consent-ledger/werkcorporatie", 20852163, bytes(range(32)))


def signed(*signers: NoteSigner, checkpoint: Checkpoint = CP) -> str:
    text = checkpoint.text()
    return SignedNote(text, tuple(s.sign(text) for s in signers)).render()


def test_checkpoint_text_is_the_c2sp_body():
    assert CP.text() == (
        "gemeente.example/consent-ledger/werkcorporatie\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    assert Checkpoint.parse(CP.text()) == CP


def test_a_signed_checkpoint_opens_with_its_key_and_keys_round_trip_as_strings():
    key = NoteSigner.generate("gemeente.example/consent-ledger")
    note = signed(key)
    assert note.startswith(CP.text() + "\n\u2014 gemeente.example/consent-ledger ")
    again = NoteSigner.from_string(key.private_string())
    verifier = NoteVerifier.from_string(str(key.verifier()))
    assert again.key_id == key.key_id and verifier.key_id == key.key_id
    checkpoint, _, good = open_checkpoint(note, [verifier])
    assert checkpoint == CP and good == [verifier]


def test_rotation_two_keys_sign_and_either_alone_is_enough():
    old, new = NoteSigner.generate("ledger.example/a"), NoteSigner.generate("ledger.example/a")
    note = signed(old, new)
    assert note.count("\u2014 ") == 2
    assert open_checkpoint(note, [old.verifier()])[0] == CP
    assert open_checkpoint(note, [new.verifier()])[0] == CP


def test_unknown_signatures_are_ignored_but_one_trusted_signature_is_required():
    key, stranger = NoteSigner.generate("ledger.example/a"), NoteSigner.generate("elsewhere.example/b")
    assert open_checkpoint(signed(stranger, key), [key.verifier()])[0] == CP
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_checkpoint(signed(stranger), [key.verifier()])


def test_a_changed_checkpoint_or_a_forged_line_from_a_known_key_is_refused():
    key = NoteSigner.generate("ledger.example/a")
    note = signed(key)
    rewritten = note.replace("20852163", "20852164")
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(rewritten, [key.verifier()])
    impostor = NoteSigner(key.name, NoteSigner.generate("x")._private)  # same name, other key
    assert impostor.key_id != key.key_id
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_checkpoint(signed(impostor), [key.verifier()])


def test_a_witness_cosignature_is_timestamped_and_verifies_only_as_a_cosignature():
    witness = NoteSigner.generate("auditor.example/witness", COSIGNATURE)
    line = witness.sign(CP.text(), timestamp=1_795_420_000)
    assert line.timestamp == 1_795_420_000 and len(line.signature) == 72
    note = SignedNote(CP.text(), (line,)).render()
    assert open_checkpoint(note, [witness.verifier()])[0] == CP
    as_plain = NoteVerifier(witness.name, witness.public)  # type 0x01: another key id
    with pytest.raises(NoteError):
        open_checkpoint(note, [as_plain])
    with pytest.raises(NoteError, match="time"):
        witness.sign(CP.text())


@pytest.mark.parametrize(
    ("note", "why"),
    [
        ("origin\n1\nAAAA\n", "no blank line"),
        (CP.text() + "\n", "no signature lines"),
        (CP.text() + "\n- name AAAAAAAA\n", "em dash"),
        (CP.text() + "\n\u2014 name !!!\n", "not base64"),
        ("origin\n01\n" + CP.text().split("\n")[2] + "\n\n\u2014 a AAAAAAAA\n", "leading zeroes"),
        ("origin\n1\nAAAA\n\n\u2014 a AAAAAAAA\n", "not 32 bytes"),
        ("origin\t\n1\nAAAA\n\n\u2014 a AAAAAAAA\n", "control characters"),
    ],
)
def test_malformed_notes_are_refused_with_the_reason(note, why):
    key = NoteSigner.generate("a")
    with pytest.raises(NoteError, match=why):
        open_checkpoint(note, [key.verifier()])


def test_key_strings_that_do_not_match_are_refused():
    key = NoteSigner.generate("ledger.example/a")
    wrong_id = str(key.verifier()).replace(key.key_id.hex(), "00000000")
    with pytest.raises(NoteError, match="id does not match"):
        NoteVerifier.from_string(wrong_id)
    with pytest.raises(NoteError, match="PRIVATE"):
        NoteSigner.from_string(str(key.verifier()))
    with pytest.raises(NoteError, match="key name"):
        NoteSigner.generate("two words")
