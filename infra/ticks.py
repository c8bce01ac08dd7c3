"""The tick: one schedule starts one workflow that runs enqueue, then dispatch, then expire,
all at the schedule's time, so dispatch reads only after enqueue committed.

A Standard workflow, not Express: each tick function may run up to its 300 s timeout and is
retried, so a tick can outlast Express's 5-minute cap; at a 1-minute rate Standard costs
about $3 a month (3 transitions a tick), at the default hourly rate nothing (free tier).
Each step keeps its own function and role; the workflow's role may invoke the three and
write to the ticks' dead-letter queue, nothing else. A step that still fails after its
retries is kept in that queue (alarmed) and the next step runs all the same.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

if TYPE_CHECKING:
    from infra.stack import FollowupStack

ORDER = ("enqueue", "dispatch", "expire")
RETRIES = 2


def _step(stack: FollowupStack, name: str) -> tuple[sfn.TaskStateBase, sfn.TaskStateBase]:
    """Invoke one tick function with the tick's time; on failure, its dead letter."""
    title = name.title()
    invoke = tasks.LambdaInvoke(
        stack,
        f"{title}Step",
        state_name=title,
        lambda_function=stack.functions[name],
        payload=sfn.TaskInput.from_object(
            {"source": "followup.tick", "time": sfn.JsonPath.string_at("$.time")}
        ),
        result_path=sfn.JsonPath.DISCARD,
    )
    invoke.add_retry(
        errors=[sfn.Errors.ALL],
        max_attempts=RETRIES,
        interval=Duration.seconds(10),
        backoff_rate=3,
    )
    kept = tasks.SqsSendMessage(
        stack,
        f"{title}Failed",
        state_name=f"{title} failed",
        queue=stack.tick_dlq,
        message_body=sfn.TaskInput.from_object(
            {
                "tick": name,
                "time": sfn.JsonPath.string_at("$.time"),
                "error": sfn.JsonPath.object_at("$.error"),
            }
        ),
        result_path=sfn.JsonPath.DISCARD,
    )
    invoke.add_catch(kept, errors=[sfn.Errors.ALL], result_path="$.error")
    return invoke, kept


def schedule(stack: FollowupStack) -> sfn.StateMachine:
    """The ticks' dead-letter queue, the workflow and the one schedule that starts it."""
    stack.tick_dlq = stack.dead_letter_queue("TickDeadLetters")
    steps = [_step(stack, name) for name in ORDER]
    for (invoke, kept), (following, _) in pairwise(steps):
        invoke.next(following)
        kept.next(following)
    machine = sfn.StateMachine(
        stack,
        "Tick",
        state_machine_type=sfn.StateMachineType.STANDARD,
        definition_body=sfn.DefinitionBody.from_chainable(steps[0][0]),
        timeout=Duration.minutes(60),
        logs=sfn.LogOptions(
            destination=logs.LogGroup(
                stack,
                "TickLogs",
                retention=logs.RetentionDays.ONE_MONTH,
                removal_policy=stack.keep_in_production(),
            ),
            level=sfn.LogLevel.ALL,
        ),
    )
    minutes = stack.settings.tick_minutes
    scheduler.Schedule(
        stack,
        "TickSchedule",
        schedule=scheduler.ScheduleExpression.rate(Duration.minutes(minutes)),
        description=f"runs enqueue, dispatch and expire every {minutes} minutes",
        target=scheduler_targets.StepFunctionsStartExecution(
            machine,
            input=scheduler.ScheduleTargetInput.from_object(
                {"source": "followup.tick", "time": scheduler.ContextAttribute.scheduled_time}
            ),
            retry_attempts=RETRIES,
            max_event_age=Duration.minutes(min(minutes, 15) * 2),
            dead_letter_queue=stack.tick_dlq,
        ),
    )
    return machine
