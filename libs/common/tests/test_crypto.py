"""SecretBox: Fernet encryption at rest with key rotation (delivery-and-security §4.5)."""

import base64

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from adpilot_common.crypto import DecryptionError, InvalidKeyError, SecretBox, generate_key

PLAINTEXT = b"1//0refresh-token-for-google-ads"


def _tamper(token: bytes, index: int) -> bytes:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw))


def test_round_trip_bytes_and_str():
    box = SecretBox([generate_key()])
    token = box.encrypt(PLAINTEXT)
    assert PLAINTEXT not in token
    assert box.decrypt(token) == PLAINTEXT
    assert box.decrypt(token.decode("ascii")) == PLAINTEXT
    assert box.decrypt(box.encrypt("pässwörd ✓")) == "pässwörd ✓".encode()
    assert box.encrypt(PLAINTEXT) != token  # random IV per token


def test_generated_key_is_a_valid_fernet_key():
    key = generate_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    Fernet(key)
    assert SecretBox.generate_key() != key


@pytest.mark.parametrize("index", [0, 5, 20, 40, -1])  # version, timestamp, IV, ciphertext, HMAC
def test_tampered_token_raises_decryption_error(index):
    box = SecretBox([generate_key()])
    token = _tamper(box.encrypt(PLAINTEXT), index)
    with pytest.raises(DecryptionError) as excinfo:
        box.decrypt(token)
    assert PLAINTEXT.decode() not in str(excinfo.value)
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__


@pytest.mark.parametrize("garbage", [b"", b"not-a-token", "ünïcode", b"gAAAAA"])
def test_garbage_raises_decryption_error(garbage):
    box = SecretBox([generate_key()])
    with pytest.raises(DecryptionError):
        box.decrypt(garbage)
    with pytest.raises(DecryptionError):
        box.rotate(garbage)
    assert box.needs_rotation(garbage)


def test_unknown_key_raises_decryption_error():
    token = SecretBox([generate_key()]).encrypt(PLAINTEXT)
    with pytest.raises(DecryptionError):
        SecretBox([generate_key()]).decrypt(token)


def test_ttl_rejects_old_tokens():
    key = generate_key()
    box = SecretBox([key])
    old = Fernet(key).encrypt_at_time(PLAINTEXT, current_time=1_000)
    assert box.decrypt(old) == PLAINTEXT
    with pytest.raises(DecryptionError):
        box.decrypt(old, ttl=60)
    assert box.decrypt(box.encrypt(PLAINTEXT), ttl=60) == PLAINTEXT


def test_old_key_still_decrypts_after_rotation_and_rotate_moves_to_new_key():
    old_key, new_key = generate_key(), generate_key()
    old_box = SecretBox([old_key])
    legacy = old_box.encrypt(PLAINTEXT)

    rotated_box = SecretBox([new_key, old_key])
    assert rotated_box.decrypt(legacy) == PLAINTEXT  # old key still decrypts
    assert rotated_box.needs_rotation(legacy)

    rotated = rotated_box.rotate(legacy)
    assert not rotated_box.needs_rotation(rotated)
    assert SecretBox([new_key]).decrypt(rotated) == PLAINTEXT  # decrypts with the new key alone
    with pytest.raises(DecryptionError):
        old_box.decrypt(rotated)  # and not with the old one
    assert not rotated_box.needs_rotation(rotated_box.encrypt(PLAINTEXT))


def test_rotate_with_no_matching_key_raises():
    token = SecretBox([generate_key()]).encrypt(PLAINTEXT)
    box = SecretBox([generate_key(), generate_key()])
    assert box.needs_rotation(token)
    with pytest.raises(DecryptionError):
        box.rotate(token)


def test_from_setting_parses_comma_separated_keys_newest_first():
    old_key, new_key = generate_key(), generate_key()
    legacy = SecretBox([old_key]).encrypt(PLAINTEXT)
    box = SecretBox.from_setting(f" {new_key} , {old_key},")
    assert box.key_count == 2
    assert box.decrypt(legacy) == PLAINTEXT
    assert SecretBox([new_key]).decrypt(box.encrypt(PLAINTEXT)) == PLAINTEXT
    assert SecretBox.from_setting(SecretStr(new_key)).key_count == 1
    assert new_key not in repr(box)
    assert old_key not in repr(box)


@pytest.mark.parametrize(
    "bad_key",
    [
        "c2hvcnQta2V5",  # valid base64, but 9 bytes
        "this is not base64 at all!!",
        "ZGV2LW9ubHktZmVybmV0LWtleS1ub3QtYS1zZWNyZXQ",  # missing padding
        base64.urlsafe_b64encode(b"x" * 33).decode(),  # one byte too many
    ],
)
def test_malformed_setting_error_names_position_but_never_echoes_the_key(bad_key):
    good = generate_key()
    with pytest.raises(InvalidKeyError) as excinfo:
        SecretBox.from_setting(f"{good},{bad_key}")
    message = str(excinfo.value)
    assert "key 2 of 2" in message
    assert bad_key not in message
    assert bad_key[:8] not in message
    assert good not in message
    assert excinfo.value.__cause__ is None
    assert excinfo.value.__suppress_context__
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_empty_setting_is_rejected(value):
    with pytest.raises(InvalidKeyError, match="no encryption key"):
        SecretBox.from_setting(value)


def test_empty_key_list_is_rejected():
    with pytest.raises(InvalidKeyError):
        SecretBox([])
