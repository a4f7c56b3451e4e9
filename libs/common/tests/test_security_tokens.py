"""Access-token verification, JWKS rotation, revocation and the FastAPI auth dependencies, against real servers.

Tokens are signed with real Ed25519 keys by PyJWT, the JWKS is served over loopback HTTP by uvicorn, and
revocations travel through a real nats-server (and, in the wiring test, the real outbox relay).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Depends, FastAPI
from nats.aio.client import Client as NatsClient

from adpilot_common.app import create_service_app
from adpilot_common.db import EventingBase, create_engine
from adpilot_common.devstack.nats import NatsServer
from adpilot_common.devstack.ports import free_port
from adpilot_common.events.contracts.session import SessionRevoked
from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.problems import PROBLEM_JSON, install_problem_handlers
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security import (
    AccessClaims,
    AuthGuard,
    InvalidToken,
    InvalidTokenReason,
    JwksCache,
    JwksUnavailable,
    Principal,
    RevocationListener,
    RevocationSet,
    Role,
    TokenVerificationSettings,
    TokenVerifier,
    install_auth,
    parse_jwks,
    require_role,
)
from adpilot_common.settings import BaseServiceSettings, service_config
from adpilot_common.testing.plugin import running
from adpilot_common.testing.waiting import eventually

from .security_helpers import AUDIENCE, DROP, ISSUER, JwksServer, Signer, b64url, claims

R = InvalidTokenReason


def verifier_for(jwks: JwksCache) -> TokenVerifier:
    return TokenVerifier(jwks, issuer=ISSUER, audience=AUDIENCE, leeway_s=5, max_lifetime_s=900)


async def refused(verifier: TokenVerifier, token: str) -> InvalidTokenReason:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


@pytest.fixture
def signer() -> Signer:
    return Signer("k1")


@pytest.fixture
async def jwks_server(signer: Signer) -> AsyncIterator[JwksServer]:
    async with JwksServer(signer) as server:
        yield server


@pytest.fixture
async def verifier(jwks_server: JwksServer) -> AsyncIterator[TokenVerifier]:
    cache = JwksCache.from_url(jwks_server.url, min_refresh_interval_s=0.3)
    await cache.start()
    yield verifier_for(cache)
    await cache.aclose()


# --- verification -------------------------------------------------------------------------------------------


async def test_valid_token_gives_its_claims(verifier: TokenVerifier, signer: Signer) -> None:
    payload = claims(role="admin", mfa=False)
    result = await verifier.verify(signer.sign(payload))
    assert result == AccessClaims(
        user_id=uuid.UUID(payload["sub"]),
        session_id=uuid.UUID(payload["sid"]),
        org_id=uuid.UUID(payload["org"]),
        role=Role.ADMIN,
        mfa=False,
        issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        token_id=payload["jti"],
    )
    assert result.has_role("member") and not result.has_role(Role.OWNER)


async def test_null_org_and_role_are_accepted(verifier: TokenVerifier, signer: Signer) -> None:
    result = await verifier.verify(signer.sign(claims(org=None, role=None)))
    assert result.org_id is None and result.role is None and not result.has_role(Role.VIEWER)


async def test_leeway_tolerates_small_clock_skew(verifier: TokenVerifier, signer: Signer) -> None:
    now = int(time.time())
    await verifier.verify(signer.sign(claims(iat=now + 3, nbf=now + 3, exp=now + 600)))
    await verifier.verify(signer.sign(claims(iat=now - 600, nbf=now - 600, exp=now - 3)))


def _forged(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64url(header)}.{b64url(payload)}.{b64url(signature)}"


def _hs256_with(secret: bytes, kid: str) -> str:
    signing_input = f"{b64url({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{b64url(claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


async def test_algorithm_none_is_refused(verifier: TokenVerifier, signer: Signer) -> None:
    for alg in ("none", "None", "NONE"):
        token = _forged({"alg": alg, "typ": "at+jwt", "kid": signer.kid}, claims())
        assert await refused(verifier, token) == R.UNSUPPORTED_ALGORITHM
    no_alg = _forged({"typ": "at+jwt", "kid": signer.kid}, claims(), b"x" * 64)
    assert await refused(verifier, no_alg) == R.UNSUPPORTED_ALGORITHM


async def test_hs256_signed_with_the_public_key_is_refused(verifier: TokenVerifier, signer: Signer) -> None:
    """The classic key-confusion attack: HMAC keyed with the (public) verification key, in every encoding."""
    public = signer.key.public_key()
    for secret in (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        signer.jwk()["x"].encode(),
    ):
        assert await refused(verifier, _hs256_with(secret, signer.kid)) == R.UNSUPPORTED_ALGORITHM


async def test_other_asymmetric_algorithms_are_refused(verifier: TokenVerifier, signer: Signer) -> None:
    headers = {"kid": signer.kid, "typ": "at+jwt"}
    rs256 = jwt.encode(claims(), rsa.generate_private_key(65537, 2048), algorithm="RS256", headers=headers)
    es256 = jwt.encode(claims(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256", headers=headers)
    assert await refused(verifier, rs256) == R.UNSUPPORTED_ALGORITHM
    assert await refused(verifier, es256) == R.UNSUPPORTED_ALGORITHM


async def test_tampered_payload_and_foreign_signature_are_refused(
    verifier: TokenVerifier, signer: Signer
) -> None:
    header, _, signature = signer.sign(claims(role="viewer")).split(".")
    tampered = f"{header}.{b64url(claims(role='owner'))}.{signature}"
    assert await refused(verifier, tampered) == R.BAD_SIGNATURE
    impostor = Signer(signer.kid)  # the right kid, someone else's key
    assert await refused(verifier, impostor.sign()) == R.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: claims(iss="someone-else"), R.WRONG_ISSUER),
        (lambda: claims(aud="other-product"), R.WRONG_AUDIENCE),
        (lambda: claims(aud=["other-product"]), R.WRONG_AUDIENCE),
        (
            lambda: claims(iat=int(time.time()) - 900, nbf=int(time.time()) - 900, exp=int(time.time()) - 60),
            R.EXPIRED,
        ),
        (lambda: claims(nbf=int(time.time()) + 60), R.NOT_YET_VALID),
        (lambda: claims(iat=int(time.time()) + 60, nbf=int(time.time())), R.NOT_YET_VALID),
        (lambda: claims(sid=DROP), R.MISSING_CLAIM),
        (lambda: claims(exp=DROP), R.MISSING_CLAIM),
        (lambda: claims(aud=DROP), R.MISSING_CLAIM),
        (lambda: claims(mfa=DROP), R.MISSING_CLAIM),
        (lambda: claims(jti=DROP), R.MISSING_CLAIM),
        (lambda: claims(sub="not-a-uuid"), R.INVALID_CLAIMS),
        (lambda: claims(role="superuser"), R.INVALID_CLAIMS),
        (lambda: claims(mfa="true"), R.INVALID_CLAIMS),
        (lambda: claims(exp=int(time.time()) + 3600), R.LIFETIME_TOO_LONG),
    ],
    ids=[
        "iss",
        "aud",
        "aud-list",
        "exp",
        "nbf",
        "iat-future",
        "no-sid",
        "no-exp",
        "no-aud",
        "no-mfa",
        "no-jti",
        "sub-not-uuid",
        "unknown-role",
        "mfa-not-bool",
        "lifetime",
    ],
)
async def test_claim_violations_are_refused(
    verifier: TokenVerifier, signer: Signer, make: Callable[[], dict[str, Any]], reason: InvalidTokenReason
) -> None:
    assert await refused(verifier, signer.sign(make())) == reason


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"typ": "JWT"}, R.WRONG_TYPE),
        ({"typ": None}, R.WRONG_TYPE),
        ({"typ": "id+jwt"}, R.WRONG_TYPE),
        ({"crit": ["exp"]}, R.MALFORMED),
    ],
    ids=["typ-jwt", "typ-missing", "typ-id-token", "crit"],
)
async def test_header_violations_are_refused(
    verifier: TokenVerifier, signer: Signer, headers: dict[str, Any], reason: InvalidTokenReason
) -> None:
    assert await refused(verifier, signer.sign(claims(), **headers)) == reason


async def test_missing_or_odd_kid_is_refused(verifier: TokenVerifier, signer: Signer) -> None:
    for kid, reason in ((DROP, R.UNKNOWN_KEY), ("", R.UNKNOWN_KEY), (None, R.UNKNOWN_KEY), (7, R.MALFORMED)):
        header = {"alg": "EdDSA", "typ": "at+jwt"} | ({} if kid is DROP else {"kid": kid})
        assert await refused(verifier, signer.sign_raw(header, claims())) == reason
    good = signer.sign_raw({"alg": "EdDSA", "typ": "at+jwt", "kid": signer.kid}, claims())
    await verifier.verify(good)


async def test_application_at_jwt_media_type_is_accepted(verifier: TokenVerifier, signer: Signer) -> None:
    await verifier.verify(signer.sign(claims(), typ="application/at+jwt"))


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "x" * 9000, "....", "e30.e30.e30"])
async def test_garbage_is_malformed(verifier: TokenVerifier, token: str) -> None:
    assert await refused(verifier, token) in (R.MALFORMED, R.UNSUPPORTED_ALGORITHM)


async def test_key_supplied_in_the_token_header_is_ignored(verifier: TokenVerifier) -> None:
    """ASVS 9.1.3: keys come from the configured JWKS, never from jwk/jku headers in the token itself."""
    attacker = Signer("k1")
    token = attacker.sign(claims(), jwk=attacker.jwk(), jku="http://127.0.0.1:1/evil.json")
    assert await refused(verifier, token) == R.BAD_SIGNATURE


# --- JWKS: rotation, rate limit, TTL, outages ---------------------------------------------------------------


async def test_rotation_new_key_is_fetched_on_unknown_kid(signer: Signer, jwks_server: JwksServer) -> None:
    cache = JwksCache.from_url(jwks_server.url, min_refresh_interval_s=0.5)
    await cache.start()
    verifier = verifier_for(cache)
    assert jwks_server.hits == 1
    await verifier.verify(signer.sign())
    assert jwks_server.hits == 1, "a known kid never goes to the network"

    rotated = Signer("k2")
    assert await refused(verifier, rotated.sign()) == R.UNKNOWN_KEY
    assert jwks_server.hits == 1, "keys fetched under 0.5 s ago are not fetched again"
    await asyncio.sleep(0.6)
    assert (
        await refused(verifier, rotated.sign()) == R.UNKNOWN_KEY
    )  # not published yet: refreshed, still unknown
    assert jwks_server.hits == 2

    jwks_server.publish(signer, rotated)
    # Within the rate-limit window an unknown kid does not refetch.
    assert await refused(verifier, rotated.sign()) == R.UNKNOWN_KEY
    assert jwks_server.hits == 2
    await asyncio.sleep(0.6)
    await verifier.verify(rotated.sign())
    await verifier.verify(signer.sign())  # the old key still verifies during the overlap
    assert jwks_server.hits == 3 and cache.kids == {"k1", "k2"}

    jwks_server.publish(rotated)  # k1 retired
    await asyncio.sleep(0.6)
    assert await cache.refresh()
    assert await refused(verifier, signer.sign()) == R.UNKNOWN_KEY
    await cache.aclose()


async def test_unknown_kid_flood_makes_one_fetch(jwks_server: JwksServer) -> None:
    cache = JwksCache.from_url(jwks_server.url, min_refresh_interval_s=10)
    await cache.start()
    verifier = verifier_for(cache)
    jwks_server.delay_s = 0.2  # keep the fetch in flight while everyone piles on
    await asyncio.sleep(0)
    tokens = [Signer(f"forged-{i}").sign() for i in range(50)]

    before = jwks_server.hits
    cache._attempted_at = None  # as if the last fetch were long ago
    results = await asyncio.gather(*(verifier.verify(t) for t in tokens), return_exceptions=True)
    assert all(isinstance(r, InvalidToken) and r.reason == R.UNKNOWN_KEY for r in results)
    assert jwks_server.hits == before + 1, "concurrent refreshes are coalesced"
    for token in tokens[:10]:  # and later ones are rate limited
        assert await refused(verifier, token) == R.UNKNOWN_KEY
    assert jwks_server.hits == before + 1
    await cache.aclose()


async def test_stale_keys_refresh_in_the_background(signer: Signer, jwks_server: JwksServer) -> None:
    cache = JwksCache.from_url(jwks_server.url, ttl_s=0.2, min_refresh_interval_s=0.0)
    await cache.start()
    verifier = verifier_for(cache)
    jwks_server.delay_s = 0.5  # a slow auth service must not slow requests down
    await asyncio.sleep(0.25)
    started = time.perf_counter()
    await verifier.verify(signer.sign())
    assert time.perf_counter() - started < 0.1
    await eventually(lambda: _true(jwks_server.hits == 2), timeout=5, what="background JWKS refresh")
    await cache.aclose()


async def _true(value: bool) -> bool:
    return value


async def test_auth_down_keeps_known_keys_and_unreachable_from_start_is_503_material(
    signer: Signer, jwks_server: JwksServer
) -> None:
    cache = JwksCache.from_url(jwks_server.url, ttl_s=0.1, min_refresh_interval_s=0.0)
    await cache.start()
    verifier = verifier_for(cache)
    await jwks_server.__aexit__()  # auth goes away
    await asyncio.sleep(0.15)
    assert not await cache.refresh()
    await verifier.verify(signer.sign())  # the keys we had still work
    await cache.aclose()

    never = JwksCache.from_url(f"http://127.0.0.1:{free_port()}/jwks.json", min_refresh_interval_s=0.0)
    await never.start()
    with pytest.raises(JwksUnavailable):
        await verifier_for(never).verify(signer.sign())
    await never.aclose()


def test_jwks_parsing_keeps_only_ed25519_signing_keys(signer: Signer) -> None:
    rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(
        rsa.generate_private_key(65537, 2048).public_key(), as_dict=True
    )
    keys = parse_jwks(
        {
            "keys": [
                signer.jwk(),
                {**rsa_jwk, "kid": "rsa"},
                {**Signer("enc").jwk(), "use": "enc"},
                {**Signer("x").jwk(), "kid": None},
                {**Signer("k1").jwk()},  # duplicate kid: the first wins
                {**Signer("short").jwk(), "x": "AAAA"},
                "junk",
            ]
        }
    )
    assert set(keys) == {"k1"}
    with pytest.raises(ValueError):
        parse_jwks({"kids": []})


async def test_static_jwks_and_replace(signer: Signer) -> None:
    cache = JwksCache.from_static({"keys": [signer.jwk()]})
    verifier = verifier_for(cache)
    await verifier.verify(signer.sign())
    rotated = Signer("k2")
    assert await refused(verifier, rotated.sign()) == R.UNKNOWN_KEY
    cache.replace({"keys": [signer.jwk(), rotated.jwk()]})
    await verifier.verify(rotated.sign())


# --- FastAPI dependencies -----------------------------------------------------------------------------------


def guarded_app(guard: AuthGuard) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.auth_guard = guard

    @app.get("/me")
    async def me(caller: Principal) -> dict[str, str]:
        return {"user_id": str(caller.user_id)}

    @app.get("/admin")
    async def admin(caller: Annotated[AccessClaims, Depends(require_role(Role.ADMIN))]) -> dict[str, str]:
        return {"role": str(caller.role)}

    @app.get("/owner-mfa", dependencies=[Depends(require_role("owner", mfa=True))])
    async def owner_mfa() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.fixture
async def api(signer: Signer) -> AsyncIterator[tuple[httpx.AsyncClient, AuthGuard]]:
    guard = AuthGuard(verifier_for(JwksCache.from_static({"keys": [signer.jwk()]})), RevocationSet())
    transport = httpx.ASGITransport(app=guarded_app(guard))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, guard


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_principal_401_problems(api: tuple[httpx.AsyncClient, AuthGuard], signer: Signer) -> None:
    client, guard = api
    missing = await client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == PROBLEM_JSON
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["status"] == 401

    wrong_scheme = await client.get("/me", headers={"Authorization": f"Basic {signer.sign()}"})
    assert wrong_scheme.status_code == 401

    for token in ("garbage", Signer("k1").sign(), signer.sign(claims(exp=int(time.time()) - 60))):
        response = await client.get("/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
        body = response.json()
        assert body["title"] == "Unauthorized" and body["instance"] == "/me"
        assert "reason" not in body  # the precise reason is logged, not handed to the caller

    payload = claims()
    ok = await client.get("/me", headers=bearer(signer.sign(payload)))
    assert ok.status_code == 200 and ok.json() == {"user_id": payload["sub"]}
    lowercase = await client.get("/me", headers={"Authorization": f"bearer {signer.sign(payload)}"})
    assert lowercase.status_code == 200

    guard.revocations.revoke(uuid.UUID(payload["sid"]))
    revoked = await client.get("/me", headers=bearer(signer.sign(payload)))
    assert (
        revoked.status_code == 401 and revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    )


async def test_require_role_403_problems(api: tuple[httpx.AsyncClient, AuthGuard], signer: Signer) -> None:
    client, _ = api
    for role in ("viewer", "member"):
        response = await client.get("/admin", headers=bearer(signer.sign(claims(role=role))))
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
        assert response.json()["required_role"] == "admin"
    no_org = await client.get("/admin", headers=bearer(signer.sign(claims(org=None, role=None))))
    assert no_org.status_code == 403 and "organisation" in no_org.json()["detail"]
    for role in ("admin", "owner"):
        response = await client.get("/admin", headers=bearer(signer.sign(claims(role=role))))
        assert response.status_code == 200 and response.json() == {"role": role}
    assert (await client.get("/admin")).status_code == 401

    no_mfa = await client.get("/owner-mfa", headers=bearer(signer.sign(claims(role="owner", mfa=False))))
    assert no_mfa.status_code == 403 and "multi-factor" in no_mfa.json()["detail"]
    with_mfa = await client.get("/owner-mfa", headers=bearer(signer.sign(claims(role="owner", mfa=True))))
    assert with_mfa.status_code == 200


async def test_jwks_unreachable_since_start_is_503(signer: Signer) -> None:
    cache = JwksCache.from_url(f"http://127.0.0.1:{free_port()}/jwks.json", min_refresh_interval_s=0.0)
    transport = httpx.ASGITransport(app=guarded_app(AuthGuard(verifier_for(cache), RevocationSet())))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/me", headers=bearer(signer.sign()))
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    await cache.aclose()


def test_role_order() -> None:
    assert [r.value for r in sorted(Role, key=lambda r: r.rank)] == ["viewer", "member", "admin", "owner"]
    assert (
        Role.OWNER.at_least("admin") and Role.ADMIN.at_least(Role.ADMIN) and not Role.MEMBER.at_least("admin")
    )
    with pytest.raises(ValueError):
        require_role("superuser")


# --- revocations --------------------------------------------------------------------------------------------


def test_revocation_set_forgets_after_token_lifetime() -> None:
    now = [1_000_000.0]
    revocations = RevocationSet(905, prune_every_s=0, clock=lambda: now[0])
    fresh, old, ancient = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime.fromtimestamp(now[0], UTC)
    assert revocations.revoke(fresh, at)
    assert revocations.revoke(old, at - timedelta(seconds=900))
    assert not revocations.revoke(ancient, at - timedelta(seconds=906))  # every token of it has expired
    assert (
        revocations.is_revoked(fresh) and revocations.is_revoked(old) and not revocations.is_revoked(ancient)
    )
    now[0] += 10
    assert revocations.prune() == 1 and not revocations.is_revoked(old) and revocations.is_revoked(fresh)
    now[0] += 900
    revocations.revoke(uuid.uuid4())  # adding prunes as it goes
    assert not revocations.is_revoked(fresh) and len(revocations) == 1


async def publish_revocation(nc: NatsClient, session_id: uuid.UUID | None = None) -> uuid.UUID:
    sid = session_id or uuid.uuid4()
    event = build_event(
        "session.v1.revoked",
        SessionRevoked(session_id=sid, user_id=uuid.uuid4(), revoked_at=datetime.now(UTC), reason="logout"),
        source="auth",
    )
    await nc.jetstream().publish(
        "session.v1.revoked", event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)}
    )
    return sid


def revoked(revocations: RevocationSet, sid: uuid.UUID) -> Callable[[], Any]:
    async def check() -> bool:
        return revocations.is_revoked(sid)

    return check


@pytest.fixture
async def streams(nats_client: NatsClient) -> NatsClient:
    await ensure_streams(nats_client.jetstream())
    return nats_client


async def test_running_listener_learns_a_revocation_within_seconds(
    streams: NatsClient, signer: Signer
) -> None:
    revocations = RevocationSet()
    listener = RevocationListener(revocations, fetch_timeout_s=1.0)
    await listener.start(streams)
    assert listener.caught_up
    guard = AuthGuard(verifier_for(JwksCache.from_static({"keys": [signer.jwk()]})), revocations)
    payload = claims()
    token = signer.sign(payload)
    await guard.authenticate(token)

    published = time.perf_counter()
    sid = await publish_revocation(streams, uuid.UUID(payload["sid"]))
    await eventually(revoked(revocations, sid), timeout=5, what="revocation reaches the listener")
    latency = time.perf_counter() - published
    with pytest.raises(InvalidToken) as caught:
        await guard.authenticate(token)
    assert caught.value.reason == R.REVOKED
    assert latency < 1.0, f"revocation took {latency:.2f}s"
    await listener.stop()


async def test_listener_started_later_replays_recent_revocations(streams: NatsClient) -> None:
    earlier = [await publish_revocation(streams) for _ in range(3)]
    await streams.jetstream().publish("session.v1.revoked", b"not json")  # skipped, not fatal

    revocations = RevocationSet()
    listener = RevocationListener(revocations)
    await listener.start(streams)
    # start() returns after the replay, so a fresh replica never accepts a recently revoked session.
    assert listener.caught_up and all(revocations.is_revoked(sid) for sid in earlier)
    later = await publish_revocation(streams)
    await eventually(revoked(revocations, later), timeout=5, what="live revocation after replay")
    await listener.stop()


async def test_replay_window_is_bounded_by_start_time(streams: NatsClient) -> None:
    old = await publish_revocation(streams)
    await asyncio.sleep(1.2)
    recent = await publish_revocation(streams)
    revocations = RevocationSet()
    listener = RevocationListener(revocations, replay_s=1.0)
    await listener.start(streams)
    assert revocations.is_revoked(recent) and not revocations.is_revoked(old)
    await listener.stop()


@pytest.mark.parametrize(("how", "outage_s"), [("stop", 0.5), ("kill", 3.0)])
async def test_listener_survives_a_nats_server_restart(
    streams: NatsClient, nats_server: NatsServer, how: str, outage_s: float
) -> None:
    revocations = RevocationSet()
    listener = RevocationListener(revocations)
    await listener.start(streams)
    before = await publish_revocation(streams)
    await eventually(revoked(revocations, before), timeout=5, what="revocation before restart")

    await asyncio.to_thread(nats_server.stop if how == "stop" else nats_server.kill)
    await asyncio.sleep(outage_s)
    await asyncio.to_thread(nats_server.start)
    await eventually(lambda: _true(streams.is_connected), timeout=10, what="client reconnect")

    after = await publish_revocation(streams)
    await eventually(revoked(revocations, after), timeout=10, what="revocation after restart")
    assert revocations.is_revoked(before)
    assert listener.running and listener.resubscriptions >= 1
    await listener.stop()


async def test_listener_stops_cleanly_and_deletes_its_consumer(streams: NatsClient) -> None:
    listener = RevocationListener(RevocationSet())
    await listener.start(streams)
    consumers = await streams.jetstream().consumers_info("AUTH")
    assert len(consumers) == 1 and consumers[0].config.durable_name is None  # ephemeral, one per replica
    second = RevocationListener(RevocationSet())
    await second.start(streams)
    assert len(await streams.jetstream().consumers_info("AUTH")) == 2
    await listener.stop()
    await second.stop()
    assert await streams.jetstream().consumers_info("AUTH") == []
    assert not listener.running


# --- wiring into a service ----------------------------------------------------------------------------------


class GuardedSettings(BaseServiceSettings, TokenVerificationSettings):
    model_config = service_config("GUARDED_")
    service_name: ClassVar[str] = "guarded"


def test_settings_mixin_reads_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = GuardedSettings()
    assert defaults.auth_jwks_url == "http://127.0.0.1:8001/api/auth/.well-known/jwks.json"
    assert (defaults.token_issuer, defaults.token_audience) == ("adpilot-auth", "adpilot")
    assert (defaults.token_leeway_s, defaults.access_token_max_lifetime_s) == (5.0, 900)
    monkeypatch.setenv("GUARDED_TOKEN_AUDIENCE", "adpilot-staging")
    monkeypatch.setenv("GUARDED_ACCESS_TOKEN_MAX_LIFETIME_S", "600")
    configured = GuardedSettings()
    assert configured.token_audience == "adpilot-staging" and configured.access_token_max_lifetime_s == 600


async def test_install_auth_wires_jwks_and_outbox_revocations_into_a_service(
    service_env: Callable[..., dict[str, Any]],
    new_database: Callable[..., str],
    jwks_server: JwksServer,
    signer: Signer,
) -> None:
    """A service built like production: revocation staged in auth's outbox → relay → NATS → listener → 401."""
    url = new_database()
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(EventingBase.metadata.create_all)
    await engine.dispose()

    settings = GuardedSettings(**service_env(url, auth_jwks_url=jwks_server.url))
    runtime = ServiceRuntime(settings)
    router = APIRouter()

    @router.get("/api/guarded/me")
    async def me(caller: Principal) -> dict[str, str]:
        return {"session_id": str(caller.session_id)}

    app = create_service_app(runtime, title="guarded", routers=[router])
    guard = install_auth(app)
    assert app.state.auth_guard is guard

    payload = claims()
    token = signer.sign(payload)
    async with running(app):
        assert jwks_server.hits == 1 and guard.listener is not None and guard.listener.caught_up
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/api/guarded/me", headers=bearer(token))).status_code == 200

            event = build_event(
                "session.v1.revoked",
                SessionRevoked(
                    session_id=uuid.UUID(payload["sid"]),
                    user_id=uuid.UUID(payload["sub"]),
                    revoked_at=datetime.now(UTC),
                    reason="logout",
                ),
                source="auth",
            )
            assert runtime.sessions is not None
            async with runtime.sessions() as session, session.begin():
                await add_to_outbox(session, event)

            async def refused_now() -> bool:
                response = await client.get("/api/guarded/me", headers=bearer(token))
                return response.status_code == 401

            await eventually(refused_now, timeout=5, what="revoked session refused by the service")
    assert not guard.listener.running


def test_install_auth_needs_verification_settings() -> None:
    class Plain(BaseServiceSettings):
        model_config = service_config("PLAIN_")

    app = create_service_app(ServiceRuntime(Plain(), uses_database=False), title="plain")
    with pytest.raises(TypeError, match="TokenVerificationSettings"):
        install_auth(app)


async def test_keys_load_in_the_background_once_auth_comes_up_after_the_service(signer: Signer) -> None:
    """A service that starts before auth must not wait out min_refresh_interval_s (10 s) before it can verify:
    it keeps retrying in the background until the first key set arrives."""
    server = JwksServer(signer)  # not listening yet: auth is still starting
    cache = JwksCache.from_url(server.url, min_refresh_interval_s=3600)
    await cache.start()
    assert not cache.loaded
    async with server:

        async def loaded() -> bool:
            return cache.loaded

        await eventually(loaded, what="JWKS loaded by the background retry")
        await verifier_for(cache).verify(signer.sign())
    await cache.aclose()
