"""MFA primitives: TOTP single use and drift window, recovery codes, QR rendering (ASVS 5.0 6.5.x)."""

import base64
import hashlib
import hmac
import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import segno

from adpilot_auth.mfa import qr, recovery, totp

# RFC 6238 Appendix B test secret (ASCII "12345678901234567890") and a fixed instant.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
NOW = 1_111_111_111.0  # an RFC 6238 vector time; step 37037037 (0x23523ED)
STEP = int(NOW // 30)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


# --- TOTP: secrets and URI ------------------------------------------------------------------------------


def test_new_secret_is_160_bit_base32_and_random():
    secrets_ = {totp.new_secret() for _ in range(50)}
    assert len(secrets_) == 50
    for secret in secrets_:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20
        pyotp.TOTP(secret).byte_secret()  # accepted by authenticator libraries as is (no padding needed)


def test_provisioning_uri_contains_issuer_email_and_secret():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "grace.hopper+ads@example.com")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/AdPilot:grace.hopper+ads@example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["AdPilot"]
    # Round-trips through the reference parser with the parameters authenticator apps assume.
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.interval == 30
    assert parsed.digits == 6
    assert parsed.name == "grace.hopper+ads@example.com"
    assert parsed.issuer == "AdPilot"


def test_provisioning_uri_custom_issuer():
    uri = totp.provisioning_uri(totp.new_secret(), "a@example.com", issuer="AdPilot Staging")
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["AdPilot Staging"]
    assert unquote(urlsplit(uri).path) == "/AdPilot Staging:a@example.com"


# --- TOTP: verification ---------------------------------------------------------------------------------


def test_rfc6238_vectors():
    # RFC 6238 Appendix B, SHA-1: T=1111111109 -> 07081804, T=1111111111 -> 14050471 (8 digits; ours are the
    # last 6 of the same truncation).
    assert totp.verify_code(RFC_SECRET, "050471", last_used_step=None, now=NOW, window=0) == STEP
    assert totp.verify_code(RFC_SECRET, "081804", last_used_step=None, now=NOW - 2, window=0) == STEP - 1


def test_current_step_matches_rfc_counter():
    assert totp.current_step(1_111_111_109) == 0x23523EC  # RFC 6238 Appendix B "T (hex)"
    assert totp.current_step(NOW) == 0x23523ED == STEP
    assert totp.current_step(datetime.fromtimestamp(NOW, tz=UTC)) == STEP


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_within_one_step_are_accepted(offset):
    secret = totp.new_secret()
    code = code_at(secret, STEP + offset)
    assert totp.verify_code(secret, code, last_used_step=None, now=NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_two_or_more_steps_away_are_rejected(offset):
    secret = totp.new_secret()
    code = code_at(secret, STEP + offset)
    if code in {code_at(secret, STEP + d) for d in (-1, 0, 1)}:  # 1-in-a-million collision: pick again
        pytest.skip("code collides with an in-window code")
    assert totp.verify_code(secret, code, last_used_step=None, now=NOW) is None


def test_window_zero_accepts_only_the_current_step():
    secret = totp.new_secret()
    assert totp.verify_code(secret, code_at(secret, STEP), last_used_step=None, now=NOW, window=0) == STEP
    assert totp.verify_code(secret, code_at(secret, STEP - 1), last_used_step=None, now=NOW, window=0) is None


def test_step_boundaries_follow_30_second_steps():
    secret = totp.new_secret()
    start = STEP * 30.0
    code = code_at(secret, STEP)
    assert totp.verify_code(secret, code, last_used_step=None, now=start, window=0) == STEP
    assert totp.verify_code(secret, code, last_used_step=None, now=start + 29.999, window=0) == STEP
    assert totp.verify_code(secret, code, last_used_step=None, now=start + 30, window=0) is None


def test_replay_of_the_same_code_is_rejected():
    secret = totp.new_secret()
    code = code_at(secret, STEP)
    used = totp.verify_code(secret, code, last_used_step=None, now=NOW)
    assert used == STEP
    assert totp.verify_code(secret, code, last_used_step=used, now=NOW) is None
    # ...also later, while the code would still be inside the drift window.
    assert totp.verify_code(secret, code, last_used_step=used, now=NOW + 30) is None
    # The next step's code is fine.
    assert totp.verify_code(secret, code_at(secret, STEP + 1), last_used_step=used, now=NOW + 30) == STEP + 1


def test_an_older_step_is_rejected_after_a_newer_one_was_used():
    secret = totp.new_secret()
    newer = totp.verify_code(secret, code_at(secret, STEP + 1), last_used_step=None, now=NOW)
    assert newer == STEP + 1
    for older in (STEP, STEP - 1):
        assert totp.verify_code(secret, code_at(secret, older), last_used_step=newer, now=NOW) is None


def test_last_used_step_older_than_the_window_does_not_block():
    secret = totp.new_secret()
    assert totp.verify_code(secret, code_at(secret, STEP), last_used_step=STEP - 100, now=NOW) == STEP


@pytest.mark.parametrize("fmt", ["{} {}", " {}{} ", "{}-{}", "{}\t{}", "{}\u00a0{}"])
def test_codes_with_spaces_are_accepted(fmt):
    secret = totp.new_secret()
    code = code_at(secret, STEP)
    assert totp.verify_code(secret, fmt.format(code[:3], code[3:]), last_used_step=None, now=NOW) == STEP


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "12 34 5",
        "+12345",
        "-123456",
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits: str.isdigit() is True, but they are not a code
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
        "123456" * 100,
        "0x1234",
        "12345\x00",
    ],
)
def test_malformed_codes_are_rejected_without_raising(bad):
    secret = totp.new_secret()
    assert totp.verify_code(secret, bad, last_used_step=None, now=NOW) is None


def test_non_string_code_is_rejected_without_raising():
    secret = totp.new_secret()
    assert totp.verify_code(secret, 123456, last_used_step=None, now=NOW) is None  # type: ignore[arg-type]
    assert totp.verify_code(secret, None, last_used_step=None, now=NOW) is None  # type: ignore[arg-type]


def test_wrong_secret_rejected():
    code = code_at(totp.new_secret(), STEP)
    other = totp.new_secret()
    if code in {code_at(other, STEP + d) for d in (-1, 0, 1)}:
        pytest.skip("1-in-a-million collision")
    assert totp.verify_code(other, code, last_used_step=None, now=NOW) is None


def test_now_accepts_aware_datetimes_and_defaults_to_server_clock():
    secret = totp.new_secret()
    moment = datetime.fromtimestamp(NOW, tz=UTC)
    assert totp.verify_code(secret, code_at(secret, STEP), last_used_step=None, now=moment) == STEP
    cet = moment.astimezone(timezone(timedelta(hours=1)))
    assert totp.verify_code(secret, code_at(secret, STEP), last_used_step=None, now=cet) == STEP
    live = pyotp.TOTP(secret).now()
    assert totp.verify_code(secret, live, last_used_step=None) is not None


def test_caller_errors_raise():
    secret = totp.new_secret()
    with pytest.raises(ValueError, match="timezone-aware"):
        totp.verify_code(secret, "123456", last_used_step=None, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="window"):
        totp.verify_code(secret, "123456", last_used_step=None, now=NOW, window=-1)
    with pytest.raises(ValueError):
        totp.verify_code("not base32!", "123456", last_used_step=None, now=NOW)


def test_comparison_is_constant_time(monkeypatch):
    """Every in-window step is compared with hmac.compare_digest, whatever the outcome."""
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(totp.hmac, "compare_digest", spy)
    secret = totp.new_secret()
    for code in (code_at(secret, STEP - 1), "000000", "x"):
        calls.clear()
        totp.verify_code(secret, code, last_used_step=None, now=NOW, window=1)
        assert len(calls) == 3


# --- Recovery codes -------------------------------------------------------------------------------------


def test_generated_recovery_codes_format_and_entropy():
    codes = recovery.generate_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    alphabet = recovery.RECOVERY_CODE_ALPHABET
    assert len(alphabet) == len(set(alphabet)) == 32
    assert not set("0oOiIlL") & set(alphabet)
    assert recovery.RECOVERY_CODE_BITS >= 60
    for code in codes:
        assert re.fullmatch(rf"[{alphabet}]{{4}}-[{alphabet}]{{4}}-[{alphabet}]{{4}}", code)
    assert len(recovery.generate_recovery_codes(3)) == 3
    with pytest.raises(ValueError):
        recovery.generate_recovery_codes(0)


def test_recovery_codes_use_the_whole_alphabet():
    chars = "".join(recovery.generate_recovery_codes(200)).replace("-", "")
    assert set(chars) == set(recovery.RECOVERY_CODE_ALPHABET)


@pytest.mark.parametrize("pepper", [None, b"server-side-pepper", "text pepper"])
def test_recovery_code_normalisation(pepper):
    code = "k7mq-x2dp-9rwt"
    stored = recovery.hash_recovery_code(code, pepper=pepper)
    for variant in (
        "K7MQ-X2DP-9RWT",
        "k7mqx2dp9rwt",
        " k7mq x2dp 9rwt ",
        "K7mq - X2dp - 9rWt",
        "k7mq\tx2dp\n9rwt",
    ):
        assert recovery.hash_recovery_code(variant, pepper=pepper) == stored
        assert recovery.verify_recovery_code(variant, [stored], pepper=pepper) == stored
    # Look-alikes typed for "1" are read as "1".
    with_one = "a1bc-d1ef-gh1j"
    assert (
        recovery.verify_recovery_code("aIbc-dlef-ghLj", [recovery.hash_recovery_code(with_one)]) is not None
    )


def test_hash_formats_and_pepper():
    code = recovery.generate_recovery_codes(1)[0]
    plain = recovery.hash_recovery_code(code)
    peppered = recovery.hash_recovery_code(code, pepper=b"pepper-1")
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", plain)
    assert re.fullmatch(r"hmac-sha256\$[0-9a-f]{64}", peppered)
    assert len(peppered) <= 128  # fits recovery_codes.code_hash
    assert code not in plain
    assert code.replace("-", "") not in peppered
    assert plain != "sha256$" + hashlib.sha256(code.replace("-", "").encode()).hexdigest()  # domain-separated
    assert recovery.hash_recovery_code(code, pepper=b"pepper-2") != peppered
    assert recovery.verify_recovery_code(code, [peppered], pepper=b"pepper-2") is None
    with pytest.raises(ValueError, match="pepper"):
        recovery.verify_recovery_code(code, [peppered])  # misconfiguration is loud
    with pytest.raises(ValueError):
        recovery.hash_recovery_code(code, pepper=b"")
    # Mixed lists (a pepper introduced later) verify both kinds.
    other = recovery.generate_recovery_codes(1)[0]
    mixed = [plain, recovery.hash_recovery_code(other, pepper=b"pepper-1")]
    assert recovery.verify_recovery_code(code, mixed, pepper=b"pepper-1") == plain
    assert recovery.verify_recovery_code(other, mixed, pepper=b"pepper-1") == mixed[1]


def test_recovery_code_single_use_at_function_level():
    codes = recovery.generate_recovery_codes()
    unused = {recovery.hash_recovery_code(c, pepper=b"p"): c for c in codes}
    target = codes[4]

    matched = recovery.verify_recovery_code(target, list(unused), pepper=b"p")
    assert matched == recovery.hash_recovery_code(target, pepper=b"p")
    del unused[matched]  # the caller marks it used and stops passing it

    assert recovery.verify_recovery_code(target, list(unused), pepper=b"p") is None
    # The other nine still work, each once.
    for code in codes[:4] + codes[5:]:
        hit = recovery.verify_recovery_code(code, list(unused), pepper=b"p")
        assert hit is not None
        del unused[hit]
    assert unused == {}


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "k7mq-x2dp",
        "k7mq-x2dp-9rwt-aaaa",
        "k7mq-x2dp-9rw0",
        "k7mq-x2dp-9rwo",
        "k7mq_x2dp_9rwt",
        "é" * 12,
        "a" * 10_000,
    ],
)
def test_malformed_recovery_codes(bad):
    stored = [recovery.hash_recovery_code(c) for c in recovery.generate_recovery_codes()]
    assert recovery.verify_recovery_code(bad, stored) is None
    assert recovery.normalise_recovery_code(bad) is None
    with pytest.raises(ValueError) as excinfo:
        recovery.hash_recovery_code(bad)
    assert bad not in str(excinfo.value) or bad == ""


def test_verify_recovery_code_empty_list_and_wrong_code():
    code, other = recovery.generate_recovery_codes(2)
    assert recovery.verify_recovery_code(code, []) is None
    assert recovery.verify_recovery_code(code, [recovery.hash_recovery_code(other)]) is None
    assert recovery.verify_recovery_code(code, ["garbage", "sha256$", "md5$abc"]) is None


def test_verify_recovery_code_compares_every_hash(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append(b)
        return real(a, b)

    monkeypatch.setattr(recovery.hmac, "compare_digest", spy)
    codes = recovery.generate_recovery_codes()
    stored = [recovery.hash_recovery_code(c) for c in codes]
    for attempt in (codes[0], codes[-1], "zzzz-zzzz-zzzz", "malformed"):
        calls.clear()
        recovery.verify_recovery_code(attempt, stored)
        assert len(calls) == len(stored)


# --- QR -------------------------------------------------------------------------------------------------


def _decode_png(data: bytes) -> tuple[int, int, list[list[int]]]:
    """Minimal decoder for segno's output: 1-bit greyscale, non-interlaced, filters None/Up."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            header = struct.unpack(">2I5B", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour, interlace) == (1, 0, 0)
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        filter_type, scan = line[0], line[1:]
        if filter_type == 2:
            scan = bytes((a + b) & 0xFF for a, b in zip(scan, previous, strict=True))
        else:
            assert filter_type == 0
        previous = scan
        rows.append([(scan[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    return width, height, rows


def test_qr_png_is_a_scannable_size_png_of_the_uri():
    uri = totp.provisioning_uri(totp.new_secret(), "someone.with.a.long.address@example-agency.co.uk")
    png = qr.qr_png(uri)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, pixels = _decode_png(png)
    assert width == height
    assert width > 100

    # The pixels are exactly the QR symbol that encodes the URI: sample each module's centre.
    symbol = segno.make(uri, error="m", micro=False, boost_error=False)
    scale, border = qr.QR_SCALE, qr.QR_BORDER_MODULES
    assert width == (symbol.symbol_size(scale=1, border=border)[0]) * scale
    for my, row in enumerate(symbol.matrix):
        for mx, dark in enumerate(row):
            px = pixels[(my + border) * scale + scale // 2][(mx + border) * scale + scale // 2]
            assert px == (0 if dark else 1)
    # Quiet zone is light.
    assert all(p == 1 for p in pixels[0])
    assert all(r[0] == 1 for r in pixels)


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (Debian zbar-tools) not installed")
def test_qr_png_decodes_with_a_real_reader(tmp_path):
    uri = totp.provisioning_uri(totp.new_secret(), "grace+ads@example.com")
    image = tmp_path / "qr.png"
    image.write_bytes(qr.qr_png(uri))
    result = subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == uri


def test_qr_png_data_uri():
    uri = totp.provisioning_uri(totp.new_secret(), "a@example.com")
    data_uri = qr.qr_png_data_uri(uri)
    assert data_uri.startswith("data:image/png;base64,")
    assert base64.b64decode(data_uri.split(",", 1)[1]) == qr.qr_png(uri)
