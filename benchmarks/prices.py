"""AWS list prices the cost benchmark uses, in one place, with the date they are from.

us-east-1, on-demand, ARM Lambdas at the memory the stack gives them (infra/stack.py).
Check them against the AWS pricing pages before quoting a figure for another region or
after `AS_OF`; every figure the benchmark prints scales linearly with these.
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2024, 11, 1)
"""DynamoDB on-demand prices were halved on this date; the others were unchanged by then."""

MILLION = 1_000_000

DYNAMODB_WRITE_UNIT = 0.625 / MILLION
"""One write request unit: up to 1 KB written (a transactional write takes two)."""
DYNAMODB_READ_UNIT = 0.125 / MILLION
"""One read request unit: up to 4 KB read strongly consistently (two eventually consistent
reads; a transactional read takes two units)."""
DYNAMODB_WCU_HOUR = 0.00065
"""Provisioned capacity instead of on-demand: one write capacity unit (a 1 KB write each
second) for an hour, and one read capacity unit (a 4 KB strongly consistent read each
second). Unchanged by the on-demand cut of `AS_OF`."""
DYNAMODB_RCU_HOUR = 0.00013
PROVISIONED_USE = 0.7
"""The share of provisioned capacity a workload uses on average under auto scaling at its
usual 70 % target; bursts (a tick's writes) and quiet nights pull it lower."""
DYNAMODB_STREAM_READ = 0.0
"""GetRecords calls made by a Lambda trigger (the broadcaster's, the stats function's) are
free; other readers pay $0.02 per 100,000 (us-east-1, after 2.5 million free a month)."""

SQS_REQUEST = 0.40 / MILLION
"""Standard queue; a batch of up to 10 messages is one request per 64 KB of payload."""

LAMBDA_REQUEST = 0.20 / MILLION
LAMBDA_GB_SECOND = 0.0000133334
"""ARM (Graviton) price per GB-second."""
LAMBDA_MEMORY_GB = 512 / 1024
"""Memory every function of the stack is given."""

WEBSOCKET_MESSAGE = 1.00 / MILLION
"""API Gateway WebSocket API: one message sent to a client, per 32 KB (the first billion a
month); connection minutes ($0.25 per million) are left out."""
LIVE_CONNECTIONS = 1
"""Admin apps open on the live queue while follow-ups change: one. The broadcaster pushes each
batch to every one of them, so its messages grow with the number of people watching."""

FUNCTION_URL_REQUEST = 0.0
"""A Lambda function URL adds nothing to the function's own request and duration price."""

BILLED_MS = {
    "webhook": 40,
    "sender": 400,
    "broadcaster": 50,
    "stats": 50,
    "enqueue": 1_000,
    "dispatch": 1_000,
    "expire": 1_000,
}
"""Assumed billed duration per invocation (ms), not measured: moto's time says nothing of
DynamoDB's. A sender batch is ten sends, most of it waiting on the provider; a tick is
billed whole whatever it handles, so its share per follow-up falls with the batch size.
A status webhook finds the follow-up by its provider id and writes it at most once. Warm
invocations: a cold start's init is billed too (since August 2025), left out here since at
a steady pace few invocations start cold."""

STATS_BILLED_MS_PER_RECORD = 0.1
"""What each stream record adds to a stats invocation, beside its 50 ms: decoding a record
and finding its counters takes about 0.03 ms on one core, and 512 MB buys about 0.3 of a
vCPU (a whole one at 1,769 MB)."""

STATS_BILLED_MS_PER_SEND = 20.0
"""What each send adds to a stats invocation: its bookkeeping reads its contact and its
enrollment and writes each back (services.sent_stream), four DynamoDB calls of about 5 ms,
the function waiting on each."""

STREAM_RECORDS_PER_SECOND = 10.0
"""The pace of changes on each stream's shard: about ten a second, a busy workspace's (a
follow-up makes about 7 follow-up records and 3 enrollment records in its life). Sends come
in bursts at up to the number's rate, so batches fill faster while they go out and slower
in quiet hours. The triggers' batches follow from it and from the stack's batching
(infra.batching): a quieter workspace has smaller batches, so more invocations and stats
writes per follow-up."""
