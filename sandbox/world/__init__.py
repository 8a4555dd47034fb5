"""The simulated world outside the exchange: games, the CF Benchmarks indexes and the weather index.

Each is a pure function of the seed and the time (no I/O, no state), so the engine's live-data
part, the seed, the HTTP and WebSocket layers and the activity jobs all read the same world, and a
restart rebuilds it exactly. The activity jobs (sandbox.activity) only act on it: the referee
settles games, the rolling desk settles index markets, the index feed publishes values.
"""
