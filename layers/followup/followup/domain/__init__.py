"""Pure domain: rules, policy, time windows and the follow-up state machine.

Nothing here imports boto3, pynamodb or httpx: the domain knows no storage or transport.
"""
