"""Seed data of the local exchange: the deterministic market universe (sports, weather, crypto)."""

from .universe import seed_universe

__all__ = ["seed_universe"]
