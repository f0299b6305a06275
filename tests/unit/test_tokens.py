import datetime as dt
import uuid

import jwt
import pytest

from hub.clients.tokens import TokenKind, TokenSigner
from hub.infra.errors import Unauthenticated

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
SECRET, OLD = "a" * 40, "b" * 40


def test_round_trip():
    client_id = uuid.uuid4()
    token = TokenSigner(SECRET).issue(client_id, now=NOW, ttl=dt.timedelta(days=1))
    claims = TokenSigner(SECRET).verify(token, now=NOW + dt.timedelta(hours=23))
    assert claims.client_id == client_id
    assert claims.issued_at == NOW


def test_expired_token_is_refused():
    token = TokenSigner(SECRET).issue(uuid.uuid4(), now=NOW, ttl=dt.timedelta(days=1))
    with pytest.raises(Unauthenticated, match="expired"):
        TokenSigner(SECRET).verify(token, now=NOW + dt.timedelta(days=1))


def test_a_token_verified_before_is_still_checked_against_the_clock_and_its_kind():
    signer = TokenSigner(SECRET)
    token = signer.issue(uuid.uuid4(), now=NOW, ttl=dt.timedelta(days=1))
    signer.verify(token, now=NOW)  # its signature is remembered from here on
    assert signer.verify(token, now=NOW + dt.timedelta(hours=1)).issued_at == NOW
    with pytest.raises(Unauthenticated, match="expired"):
        signer.verify(token, now=NOW + dt.timedelta(days=1))
    with pytest.raises(Unauthenticated, match="Invalid"):
        signer.verify(token, now=NOW - dt.timedelta(hours=1))  # issued in the future of this clock
    with pytest.raises(Unauthenticated):
        signer.verify(token, now=NOW, kind=TokenKind.GATEWAY)


def test_a_token_of_another_secret_is_never_remembered_as_verified():
    stranger = TokenSigner(OLD).issue(uuid.uuid4(), now=NOW, ttl=dt.timedelta(days=1))
    signer = TokenSigner(SECRET)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            signer.verify(stranger, now=NOW)


def test_rotation_accepts_previous_secret_and_refuses_unknown():
    token = TokenSigner(OLD).issue(uuid.uuid4(), now=NOW, ttl=dt.timedelta(days=1))
    TokenSigner(SECRET, (OLD,)).verify(token, now=NOW)
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(token, now=NOW)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_malformed_tokens(token):
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(token, now=NOW)


def test_other_algorithms_and_audiences_are_refused():
    claims = {
        "sub": str(uuid.uuid4()),
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 60,
        "iss": "bhxh-hub",
    }
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(jwt.encode({**claims, "aud": "elsewhere"}, SECRET, algorithm="HS256"), now=NOW)
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(jwt.encode({**claims, "aud": "bhxh-hub"}, "", algorithm="none"), now=NOW)


def test_times_are_read_from_the_given_clock_not_the_wall_clock():
    future = dt.datetime(2031, 1, 10, tzinfo=dt.UTC)
    token = TokenSigner(SECRET).issue(uuid.uuid4(), now=future, ttl=dt.timedelta(days=1))
    assert TokenSigner(SECRET).verify(token, now=future).issued_at == future
    with pytest.raises(Unauthenticated):  # issued (by its own account) in the future
        TokenSigner(SECRET).verify(token, now=future - dt.timedelta(hours=1))


def test_a_gateway_token_is_refused_where_a_client_token_is_asked_and_back():
    client_id = uuid.uuid4()
    gateway = TokenSigner(SECRET).issue(
        client_id, now=NOW, ttl=dt.timedelta(hours=1), kind=TokenKind.GATEWAY, binding="p"
    )
    client = TokenSigner(SECRET).issue(client_id, now=NOW, ttl=dt.timedelta(hours=1))
    assert jwt.decode(gateway, options={"verify_signature": False})["aud"] == "bhxh-hub/gateway"
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(gateway, now=NOW)
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(client, now=NOW, kind=TokenKind.GATEWAY)
    assert TokenSigner(SECRET).verify(gateway, now=NOW, kind=TokenKind.GATEWAY).binding == "p"
    assert TokenSigner(SECRET).verify(client, now=NOW).binding is None


def _forged(**claims: object) -> str:
    """A token signed with the right secret, with the given audience and extra claims."""
    base = {"iss": "bhxh-hub", "sub": str(uuid.uuid4()), "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}
    return jwt.encode({**base, **claims}, SECRET, algorithm="HS256")


def test_a_gateway_token_of_the_shared_audience_is_refused_as_a_client_token():
    """Gateway tokens issued before they had their own audience carried the client audience and a binding."""
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(_forged(aud="bhxh-hub", pwb="proof"), now=NOW)


def test_a_gateway_token_without_its_binding_is_refused():
    with pytest.raises(Unauthenticated):
        TokenSigner(SECRET).verify(_forged(aud="bhxh-hub/gateway"), now=NOW, kind=TokenKind.GATEWAY)
    with pytest.raises(ValueError, match="binding"):
        TokenSigner(SECRET).issue(uuid.uuid4(), now=NOW, ttl=dt.timedelta(hours=1), kind=TokenKind.GATEWAY)
