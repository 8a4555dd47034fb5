"""The control plane: script the local exchange from tests, the CLI or the web view.

Loopback-only endpoints under `/_sandbox/ctl` (routes.py; the guard is sandbox.web.guard), the
`python -m sandbox ctl ...` command line (cli.py) and `sandbox.testing.LocalExchange` methods
(client.py) add users, create series/events/markets, set a book, move a price, pause, close,
determine and settle a market, advance the exchange clock, grant paid feeds, switch faults and
the simulated traders at run time, and reset the exchange to a seed in place (reset.py).
Every change to the exchange is one engine operation (actions.py): atomic, journaled, and seen
on the WebSocket channels as if it had happened naturally; a reset is one journal transaction.

    wiring.setup_control(app, config, ws_server)   in sandbox.build, after activity and web

The package itself imports nothing: `client` (urllib only) stays cheap for test processes.
"""
