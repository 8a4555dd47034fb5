"""Seed data of the local exchange: the deterministic market universe, users' funding."""

from .funding import seed_funding
from .universe import seed_universe

__all__ = ["seed_funding", "seed_universe"]
