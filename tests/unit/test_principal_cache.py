"""The cache of verified client tokens: it serves a principal for its seconds only, never past the token's expiry,
and forgets everything when a client is revoked or its tokens reissued in this process."""

import datetime as dt
import uuid

from hub.clients.permissions import DEFAULT_ROLES, ClientKind, Jurisdiction, Principal
from hub.clients.service import PrincipalCache

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
HOSPITAL = Principal(
    uuid.uuid4(), "bv", ClientKind.HOSPITAL, DEFAULT_ROLES[ClientKind.HOSPITAL], Jurisdiction.parse("facility:48001")
)


def test_a_principal_is_served_until_its_token_expires():
    cache = PrincipalCache(seconds=60)
    cache.put("t", HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=PrincipalCache._generation)
    assert cache.get("t", now=NOW) is HOSPITAL
    assert cache.get("other", now=NOW) is None
    assert cache.get("t", now=NOW + dt.timedelta(hours=1)) is None
    assert cache.get("t", now=NOW) is None  # dropped once expired


def test_a_principal_is_served_for_the_cache_seconds_only():
    cache = PrincipalCache(seconds=0.0)
    cache.put("t", HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=PrincipalCache._generation)
    assert cache.get("t", now=NOW) is None


def test_a_revocation_or_reissue_in_this_process_empties_every_cache():
    cache = PrincipalCache(seconds=60)
    found_at = PrincipalCache._generation
    cache.put("t", HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=found_at)
    PrincipalCache.forget_all()
    assert cache.get("t", now=NOW) is None
    # A lookup that began before the revocation is not kept as if made after it
    cache.put("t", HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=found_at)
    assert cache.get("t", now=NOW) is None


def test_the_least_recently_used_token_goes_first():
    cache = PrincipalCache(seconds=60, size=2)
    for token in ("a", "b"):
        cache.put(token, HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=PrincipalCache._generation)
    assert cache.get("a", now=NOW) is HOSPITAL
    cache.put("c", HOSPITAL, expires_at=NOW + dt.timedelta(hours=1), generation=PrincipalCache._generation)
    assert cache.get("b", now=NOW) is None and cache.get("a", now=NOW) is HOSPITAL
