"""Agent spec: models, loading with line numbers, domain rules, resolution into a fleet."""

from launchpad.errors import FleetError, Problem
from launchpad.fleet.loader import load_api_agent, load_fleet
from launchpad.fleet.resolved import Agent, Fleet

__all__ = ["Agent", "Fleet", "FleetError", "Problem", "load_api_agent", "load_fleet"]
