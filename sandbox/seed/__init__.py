"""The deterministic universe the local exchange is seeded with (sports, weather, crypto, …)."""
