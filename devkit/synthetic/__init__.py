"""Synthetic data for demos and benchmarks: a generated Vietnamese population (families, identifiers, addresses,
contribution histories), employers and health-care facilities, deterministic from a seed and streamed."""

from devkit.synthetic.employment import (
    ContributionKind,
    ContributionPeriod,
    Employer,
    Sector,
    salary_in,
)
from devkit.synthetic.ethnicities import ETHNICITIES, Ethnicity
from devkit.synthetic.facilities import Facility, generate_facilities
from devkit.synthetic.geography import Address, Commune, WageRegion
from devkit.synthetic.population import Birth, Family, Person, PopulationConfig, PopulationGenerator
from hub.catalogs.models import FacilityLevel

__all__ = [
    "ETHNICITIES",
    "Address",
    "Birth",
    "Commune",
    "ContributionKind",
    "ContributionPeriod",
    "Employer",
    "Ethnicity",
    "Facility",
    "FacilityLevel",
    "Family",
    "Person",
    "PopulationConfig",
    "PopulationGenerator",
    "Sector",
    "WageRegion",
    "generate_facilities",
    "salary_in",
]
