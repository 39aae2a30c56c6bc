"""Agent spec: models, loading with line numbers, domain rules, resolution into a fleet."""

from launchpad.spec.errors import FleetError, Problem
from launchpad.spec.fleet import Agent, Fleet
from launchpad.spec.loader import load_fleet

__all__ = ["Agent", "Fleet", "FleetError", "Problem", "load_fleet"]
