"""The HTTP face of the local exchange: aiohttp app, signature auth, rate limits, REST routes.

`create_app(config, exchange, keys)` builds the application; `verify_request` (in `auth`) checks
one signed request and is what the WebSocket handshake reuses.
"""
