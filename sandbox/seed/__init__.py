"""Seed data of the local exchange: the deterministic market universe (sports, weather, crypto).

`sandbox.seed.universe.seed_universe(ex)` fills an empty exchange. Nothing is imported here, so
that the engine's parts can read seed tables (sports, crypto, weather) without pulling in the
universe, which itself drives the engine.
"""
