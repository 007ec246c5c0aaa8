"""Signed checkpoints: the C2SP signed-note, tlog-checkpoint and tlog-cosignature formats with
Ed25519 (cryptography). Spec: docs/ledger-format.md §9.

A checkpoint's text is three lines, origin, tree size, base64 root hash, each ending in a
newline; then a blank line; then one signature line per key: em dash, space, key name, space,
base64(4-byte key id || signature). Several ledger keys may sign one checkpoint (rotation);
witnesses add cosignature lines (type 0x04, timestamped). A verifier ignores lines from keys
it does not know, rejects the note if a known key's line fails, and requires at least one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .errors import Refused

__all__ = [
    "COSIGNATURE",
    "ED25519",
    "Checkpoint",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "SignatureLine",
    "SignedNote",
    "open_checkpoint",
    "split_notes",
]

ED25519 = 0x01  # signed-note: Ed25519 over the note text
COSIGNATURE = 0x04  # tlog-cosignature: timestamped Ed25519 by a witness
_DASH = "\u2014 "
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class NoteError(Refused, ValueError):
    """A note, key or signature that cannot be used; says what is wrong."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None


def key_id(name: str, sig_type: int, public: bytes) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] (signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r}: non-empty, no spaces and no '+'")
    return name


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root_hash)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise NoteError(
                "a checkpoint is origin, size and root hash, one per line, each ending in a newline"
            )
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"tree size {size!r} is not a decimal without leading zeroes")
        digest = _unb64(root, "the root hash")
        if len(digest) != 32:
            raise NoteError("the root hash is not 32 bytes")
        return cls(origin, int(size), digest)


@dataclass(frozen=True, slots=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes  # for a cosignature: 8-byte timestamp || 64-byte signature

    def line(self) -> str:
        return f"{_DASH}{self.name} {_b64(self.key_id + self.signature)}\n"

    @property
    def timestamp(self) -> int | None:
        return struct.unpack(">Q", self.signature[:8])[0] if len(self.signature) == 72 else None


@dataclass(frozen=True, slots=True)
class SignedNote:
    text: str
    signatures: tuple[SignatureLine, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: list[SignatureLine]) -> SignedNote:
        known = {(s.name, s.key_id) for s in self.signatures}
        return SignedNote(
            self.text, self.signatures + tuple(s for s in extra if (s.name, s.key_id) not in known)
        )

    @classmethod
    def parse(cls, note: str) -> SignedNote:
        if any(ord(c) < 0x20 and c != "\n" for c in note):
            raise NoteError("a signed note holds no control characters other than newline")
        cut = note.rfind("\n\n")
        if cut < 0 or not note.endswith("\n"):
            raise NoteError("no blank line between the text and its signatures")
        text, lines = note[: cut + 1], note[cut + 2 :].split("\n")[:-1]
        if not lines:
            raise NoteError("the note has no signature lines")
        return cls(text, tuple(_signature_line(line) for line in lines))


def split_notes(text: str) -> list[str]:
    """Signed notes written one after another (as `consent-ledger checkpoint` prints them for
    several chains), each as its own note: a note ends with its last signature line, and the next
    begins with a line that is not one."""
    notes: list[str] = []
    current: list[str] = []
    in_signatures = False
    for line in text.splitlines(keepends=True):
        if in_signatures and not line.startswith(_DASH):
            notes.append("".join(current))
            current, in_signatures = [], False
        current.append(line)
        if line == "\n":
            in_signatures = True
    if current:
        notes.append("".join(current))
    return notes


def _signature_line(line: str) -> SignatureLine:
    if not line.startswith(_DASH):
        raise NoteError(f"signature line does not start with an em dash and a space: {line[:40]!r}")
    parts = line[len(_DASH) :].split(" ")
    if len(parts) != 2:
        raise NoteError("a signature line is the key name and one base64 value")
    raw = _unb64(parts[1], "a signature")
    if len(raw) < 5:
        raise NoteError("a signature is shorter than its key id")
    return SignatureLine(_check_name(parts[0]), raw[:4], raw[4:])


class NoteSigner:
    """An Ed25519 key that signs notes: the ledger's checkpoint key (type 0x01) or a
    witness's cosigning key (type 0x04)."""

    def __init__(self, name: str, private: Ed25519PrivateKey, sig_type: int = ED25519) -> None:
        self.name, self._private, self.sig_type = _check_name(name), private, sig_type
        self.public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, sig_type, self.public)

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate(), sig_type)

    @classmethod
    def from_string(cls, text: str) -> NoteSigner:
        """`PRIVATE+KEY+<name>+<hex key id>+<base64(type || 32-byte seed)>`."""
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteError("a signing key starts with PRIVATE+KEY+")
        parts = text.strip()[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteError("a signing key is PRIVATE+KEY+<name>+<key id>+<key>")
        raw = _unb64(parts[2], "the signing key")
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE):
            raise NoteError("the signing key is not an Ed25519 key of type 0x01 or 0x04")
        signer = cls(parts[0], Ed25519PrivateKey.from_private_bytes(raw[1:]), raw[0])
        if signer.key_id.hex() != parts[1].lower():
            raise NoteError("the signing key's id does not match its name and key")
        return signer

    def private_string(self) -> str:
        seed = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{_b64(bytes([self.sig_type]) + seed)}"

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.public, self.sig_type)

    def sign(self, text: str, timestamp: int | None = None) -> SignatureLine:
        if self.sig_type == COSIGNATURE:
            if timestamp is None:
                raise NoteError("a cosignature carries the time it was made")
            stamp = struct.pack(">Q", timestamp)
            return SignatureLine(
                self.name, self.key_id, stamp + self._private.sign(_cosigned(text, timestamp))
            )
        return SignatureLine(self.name, self.key_id, self._private.sign(text.encode()))


def _cosigned(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


class NoteVerifier:
    """A public key that checks signature lines: `<name>+<hex key id>+<base64(type || key)>`."""

    def __init__(self, name: str, public: bytes, sig_type: int = ED25519) -> None:
        if len(public) != 32 or sig_type not in (ED25519, COSIGNATURE):
            raise NoteError("a verifier key is a 32-byte Ed25519 key of type 0x01 or 0x04")
        self.name, self.public, self.sig_type = _check_name(name), public, sig_type
        self.key_id = key_id(name, sig_type, public)
        self._key = Ed25519PublicKey.from_public_bytes(public)

    @classmethod
    def from_string(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<key id>+<key>")
        raw = _unb64(parts[2], "the verifier key")
        if len(raw) != 33:
            raise NoteError("the verifier key is not 1 type byte and 32 key bytes")
        verifier = cls(parts[0], raw[1:], raw[0])
        if verifier.key_id.hex() != parts[1].lower():
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([self.sig_type]) + self.public)}"

    def matches(self, line: SignatureLine) -> bool:
        return line.name == self.name and line.key_id == self.key_id

    def verify(self, text: str, line: SignatureLine) -> bool:
        try:
            if self.sig_type == COSIGNATURE:
                if line.timestamp is None:
                    return False
                self._key.verify(line.signature[8:], _cosigned(text, line.timestamp))
            else:
                self._key.verify(line.signature, text.encode())
        except InvalidSignature:
            return False
        return True


def open_checkpoint(
    note: str, verifiers: list[NoteVerifier], origin: str | None = None
) -> tuple[Checkpoint, SignedNote, list[NoteVerifier]]:
    """Parse and check a signed checkpoint. At least one of `verifiers` must have signed it; a
    line that claims a known key and fails rejects the whole note; unknown lines are ignored.
    Returns the checkpoint, the note and the verifiers whose signatures held."""
    signed = SignedNote.parse(note)
    checkpoint = Checkpoint.parse(signed.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    good = []
    for line in signed.signatures:
        for verifier in verifiers:
            if verifier.matches(line):
                if not verifier.verify(signed.text, line):
                    raise NoteError(f"the signature of {line.name} ({line.key_id.hex()}) does not verify")
                good.append(verifier)
    if not good:
        names = ", ".join(f"{v.name} ({v.key_id.hex()})" for v in verifiers) or "none given"
        raise NoteError(f"no signature by a trusted key; trusted: {names}")
    return checkpoint, signed, good
