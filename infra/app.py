"""`cdk synth` / `cdk deploy` entry point: one stack per stage, checked by cdk-nag.

Also runs as plain Python (`python -m infra.app`), writing the templates to cdk.out/.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra import nag
from infra.settings import from_context
from infra.stack import FollowupStack


def build(app: cdk.App) -> FollowupStack:
    """The stack for the context's settings, with AwsSolutions checks and reviewed exceptions."""
    settings = from_context(app.node.try_get_context, app.node.get_all_context())
    stack = FollowupStack(
        app,
        f"Followup-{settings.stage}",
        settings,
        description="Follow-up engine: re-engages quiet leads over WhatsApp",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    nag.acknowledge(stack)
    return stack


def main() -> None:
    app = cdk.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
