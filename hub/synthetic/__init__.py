"""Synthetic data for demos and benchmarks: a generated Vietnamese population (families, identifiers, addresses,
contribution histories), employers and health-care facilities, deterministic from a seed and streamed."""

from hub.catalogs.models import FacilityLevel
from hub.synthetic.employment import (
    ContributionKind,
    ContributionPeriod,
    Employer,
    Sector,
    salary_in,
)
from hub.synthetic.ethnicities import ETHNICITIES, Ethnicity
from hub.synthetic.facilities import Facility, generate_facilities
from hub.synthetic.geography import Address, Commune, WageRegion
from hub.synthetic.population import Birth, Family, Person, PopulationConfig, PopulationGenerator

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
