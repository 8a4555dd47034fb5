"""The HTTP face of the local exchange: aiohttp app, signature auth, rate limits, REST routes.

`create_app(config, exchange, keys)` (app) builds the application; `sandbox.build` calls it.
Route declarations and app keys live in the leaf module `routing`; `verify_request` (in
`signature`) checks one signed request and is what the WebSocket handshake reuses; `protocol`
turns aiohttp's own protocol errors into Kalshi's JSON error body.
"""
