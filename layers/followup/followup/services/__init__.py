"""Use cases: enqueue, dispatch, send, expire, inbound messages, stage changes, send now.

Each takes its dependencies (ports) as arguments; `followup.wiring` builds the real ones.
"""
