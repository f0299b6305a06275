"""GraphQL for clients: who am I, and (operators) register, list and revoke clients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub.clients import officers, service
from hub.clients.errors import ClientErrorCode, OfficerErrorCode
from hub.clients.models import Client, Officer
from hub.clients.permissions import ClientKind, Jurisdiction, JurisdictionLevel, Principal, Role
from hub.infra.errors import BusinessError
from schema.context import Info, read, write
from schema.errors import payload_errors

strawberry.enum(ClientKind, name="ClientKind")
strawberry.enum(Role, name="Role")
strawberry.enum(JurisdictionLevel, name="JurisdictionLevel")
strawberry.enum(ClientErrorCode, name="ClientErrorCode")
strawberry.enum(OfficerErrorCode, name="OfficerErrorCode")


@strawberry.type(name="Jurisdiction")
class JurisdictionType:
    level: JurisdictionLevel
    code: str | None


@strawberry.type(name="Client")
class ClientType:
    id: strawberry.ID
    name: str
    kind: ClientKind
    roles: list[Role]
    jurisdiction: JurisdictionType
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @classmethod
    def from_model(cls, client: Client) -> ClientType:
        principal = client.principal()
        return cls.from_principal(principal, created_at=client.created_at, revoked_at=client.revoked_at)

    @classmethod
    def from_principal(
        cls,
        principal: Principal,
        *,
        created_at: dt.datetime | None = None,
        revoked_at: dt.datetime | None = None,
    ) -> ClientType:
        return cls(
            id=strawberry.ID(str(principal.client_id)),
            name=principal.name,
            kind=principal.kind,
            roles=sorted(principal.roles),
            jurisdiction=JurisdictionType(level=principal.jurisdiction.level, code=principal.jurisdiction.code),
            created_at=created_at,
            revoked_at=revoked_at,
        )


@strawberry.type(name="Officer")
class OfficerType:
    username: str
    client_name: str
    jurisdiction: JurisdictionType
    locked: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None


@strawberry.type
class ClientError:
    field: str | None
    code: ClientErrorCode
    message: str
    message_vi: str


@strawberry.input
class JurisdictionInput:
    level: JurisdictionLevel
    code: str | None = None


@strawberry.input
class CreateClientInput:
    name: str
    kind: ClientKind
    jurisdiction: JurisdictionInput
    roles: list[Role] | None = strawberry.field(default=None, description="Defaults to the roles of the client's kind.")
    token_ttl_days: int | None = None


@strawberry.type
class CreateClientPayload:
    client: ClientType | None = None
    token: str | None = strawberry.field(default=None, description="Shown once; the hub keeps no copy.")
    expires_at: dt.datetime | None = None
    errors: list[ClientError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeClientPayload:
    client: ClientType | None = None
    errors: list[ClientError] = strawberry.field(default_factory=list)


@strawberry.type
class ClientQuery:
    @strawberry.field(description="The client this request authenticated as.")
    def viewer(self, info: Info) -> ClientType:
        return ClientType.from_principal(info.context.principal)

    @strawberry.field(description="Every registered client (operators).")
    async def clients(self, info: Info) -> list[ClientType]:
        viewer = info.context.principal
        viewer.require(Role.CLIENT_MANAGE)
        return [ClientType.from_model(c) for c in await read(info, lambda s: service.list_clients(s, viewer))]

    @strawberry.field(
        description="People who sign in to the console, with the client they act as (operators, within their area)."
    )
    async def officers(self, info: Info) -> list[OfficerType]:
        viewer = info.context.principal
        viewer.require(Role.CLIENT_MANAGE)
        found = await read(info, lambda s: officers.list_officers(s, viewer))
        return [
            OfficerType(
                username=officer.username,
                client_name=client.name,
                jurisdiction=JurisdictionType(level=client.jurisdiction.level, code=client.jurisdiction.code),
                locked=officer.locked_at is not None,
                created_at=officer.created_at,
                last_sign_in_at=officer.last_sign_in_at,
            )
            for officer, client in found
        ]


@strawberry.type
class ClientMutation:
    @strawberry.mutation(description="Register a client and issue its first bearer token (operators).")
    async def create_client(self, info: Info, input: CreateClientInput) -> CreateClientPayload:
        info.context.principal.require(Role.CLIENT_MANAGE)
        services = info.context.services
        try:
            jurisdiction = Jurisdiction(input.jurisdiction.level, input.jurisdiction.code)
        except ValueError as exc:
            error = BusinessError(
                ClientErrorCode.GRANT_NOT_ALLOWED,
                str(exc),
                f"Địa bàn không hợp lệ: {exc}",
                field="jurisdiction",
            )
            return CreateClientPayload(errors=payload_errors(ClientError, error))
        ttl = dt.timedelta(days=input.token_ttl_days or services.settings.token_ttl_days)
        roles = frozenset(input.roles) if input.roles is not None else None
        try:
            issued = await write(
                info,
                lambda s, now, actor: service.create_client(
                    s,
                    services.signer,
                    now=now,
                    actor=actor,
                    name=input.name,
                    kind=input.kind,
                    jurisdiction=jurisdiction,
                    roles=roles,
                    ttl=ttl,
                ),
            )
        except BusinessError as error:
            return CreateClientPayload(errors=payload_errors(ClientError, error))
        return CreateClientPayload(
            client=ClientType.from_model(issued.client), token=issued.token, expires_at=issued.expires_at
        )

    @strawberry.mutation(description="Revoke a client: every token it holds stops working at once (operators).")
    async def revoke_client(self, info: Info, name: str) -> RevokeClientPayload:
        info.context.principal.require(Role.CLIENT_MANAGE)
        try:
            client = await write(info, lambda s, now, actor: service.revoke_client(s, now=now, actor=actor, name=name))
        except BusinessError as error:
            return RevokeClientPayload(errors=payload_errors(ClientError, error))
        return RevokeClientPayload(client=ClientType.from_model(client))


@strawberry.type
class OfficerError:
    field: str | None
    code: OfficerErrorCode
    message: str
    message_vi: str


@strawberry.input
class CreateOfficerInput:
    username: str
    client_name: str = strawberry.field(description="The client whose roles and jurisdiction the officer acts with.")
    password: str | None = strawberry.field(
        default=None, description="None for an officer who signs in through an identity provider."
    )


@strawberry.type
class OfficerPayload:
    officer: OfficerType | None = None
    errors: list[OfficerError] = strawberry.field(default_factory=list)


@strawberry.type
class OfficerMutation:
    @strawberry.mutation(
        description="Add a person who signs in to the console, acting as a client within your jurisdiction "
        "(operators; audited)."
    )
    async def create_officer(self, info: Info, input: CreateOfficerInput) -> OfficerPayload:
        return await _officer_change(
            info,
            lambda s, now, actor: officers.create_officer(
                s,
                now=now,
                username=input.username,
                client_name=input.client_name,
                password=input.password,
                actor=actor,
            ),
        )

    @strawberry.mutation(
        description="Unlock an officer's account locked after repeated failed sign-ins, within your jurisdiction "
        "(operators; audited)."
    )
    async def unlock_officer(self, info: Info, username: str) -> OfficerPayload:
        return await _officer_change(
            info, lambda s, now, actor: officers.unlock_officer(s, now=now, username=username, actor=actor)
        )


async def _officer_change(
    info: Info, work: Callable[[AsyncSession, dt.datetime, Principal], Awaitable[Officer]]
) -> OfficerPayload:
    async def change(session: AsyncSession, now: dt.datetime, actor: Principal) -> OfficerType:
        officer = await work(session, now, actor)
        client = await session.get_one(Client, officer.client_id)
        return OfficerType(
            username=officer.username,
            client_name=client.name,
            jurisdiction=JurisdictionType(level=client.jurisdiction.level, code=client.jurisdiction.code),
            locked=officer.locked_at is not None,
            created_at=officer.created_at,
            last_sign_in_at=officer.last_sign_in_at,
        )

    try:
        return OfficerPayload(officer=await write(info, change))
    except BusinessError as error:
        return OfficerPayload(
            errors=[
                OfficerError(
                    field=error.field,
                    code=OfficerErrorCode(error.code),
                    message=error.message,
                    message_vi=error.message_vi,
                )
            ]
        )
