"""Life in the local exchange: the trading simulator, the market lifecycle clock and fault
injection. `wiring.setup(app, config, opts, ws_server)` (called from `sandbox.build`) installs
what the configuration asks for:

- simulator: on unless --no-activity (pace --activity-rate);
- lifecycle clock: on with the simulator, or alone with --fast-lifecycle;
- faults: --fault-http-429-rate / --fault-http-5xx-rate (REST middleware) and
  --fault-ws-drop-every (connection cuts); --fault-seq-gap-rate lives in the WebSocket hub.
"""
