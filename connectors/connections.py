"""The hub's connections to external systems, built from the settings, one client each per worker process."""

from __future__ import annotations

from connectors.civil_registry import CivilRegistryClient
from connectors.civil_status import CivilStatusClient
from connectors.contributions import ContributionsClient
from connectors.population import PopulationClient
from connectors.population_evidence import PopulationEvidenceClient
from hub.infra.settings import ConnectorSettings
from signing.detached import MessageSigner


class Connectors:
    """Clients created on first use (on the event loop that uses them) and closed with the worker."""

    def __init__(self, settings: ConnectorSettings, signer: MessageSigner | None = None) -> None:
        self._settings = settings
        self._signer = signer  # every outbound message carries the hub's signature
        self._population: PopulationClient | None = None
        self._civil_registry: CivilRegistryClient | None = None
        self._civil_status: CivilStatusClient | None = None
        self._population_evidence: PopulationEvidenceClient | None = None
        self._contributions: ContributionsClient | None = None

    @property
    def settings(self) -> ConnectorSettings:
        return self._settings

    def population(self) -> PopulationClient | None:
        """The population database, or None when this deployment is not connected to it."""
        if self._population is None and self._settings.population_url:
            self._population = PopulationClient(
                self._settings.population_url,
                token=self._settings.population_token or None,
                timeout=self._settings.timeout_seconds,
                signer=self._signer,
            )
        return self._population

    def civil_registry(self) -> CivilRegistryClient | None:
        """The civil-status software outcomes are pushed to, or None when not connected."""
        if self._civil_registry is None and self._settings.civil_registry_url:
            self._civil_registry = CivilRegistryClient(
                self._settings.civil_registry_url,
                token=self._settings.civil_registry_token or None,
                timeout=self._settings.timeout_seconds,
                signer=self._signer,
            )
        return self._civil_registry

    def civil_status(self) -> CivilStatusClient | None:
        """The civil-status software's signed extracts, or None when not connected."""
        if self._civil_status is None and self._settings.civil_status_url:
            self._civil_status = CivilStatusClient(
                self._settings.civil_status_url,
                token=self._settings.civil_status_token or None,
                timeout=self._settings.timeout_seconds,
                signer=self._signer,
            )
        return self._civil_status

    def population_evidence(self) -> PopulationEvidenceClient | None:
        """The population database's signed identity and relationship checks, or None when not connected."""
        if self._population_evidence is None and self._settings.population_url:
            self._population_evidence = PopulationEvidenceClient(
                self._settings.population_url,
                token=self._settings.population_token or None,
                timeout=self._settings.timeout_seconds,
                signer=self._signer,
            )
        return self._population_evidence

    def contributions(self) -> ContributionsClient | None:
        """BHXH's contribution system, or None when not connected."""
        if self._contributions is None and self._settings.contributions_url:
            self._contributions = ContributionsClient(
                self._settings.contributions_url,
                token=self._settings.contributions_token or None,
                timeout=self._settings.timeout_seconds,
                signer=self._signer,
            )
        return self._contributions

    async def aclose(self) -> None:
        clients = (
            self._population,
            self._civil_registry,
            self._civil_status,
            self._population_evidence,
            self._contributions,
        )
        for client in clients:
            if client is not None:
                await client.aclose()
        self._population = self._civil_registry = None
        self._civil_status = self._population_evidence = None
        self._contributions = None
