from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.app import build
from infra.stack import FollowupStack


@dataclass
class Synth:
    stack: FollowupStack
    template: Template
    outdir: Path

    def resources(self, kind: str) -> dict[str, Any]:
        found: dict[str, Any] = self.template.find_resources(kind)
        return found

    def environments(self) -> dict[str, dict[str, Any]]:
        """Each function's environment variables, by its name in the stack."""
        functions = self.resources("AWS::Lambda::Function")
        return {
            name: functions[self.stack.get_logical_id(fn.node.default_child)]["Properties"][
                "Environment"
            ]["Variables"]
            for name, fn in self.stack.functions.items()
        }

    @property
    def file(self) -> Path:
        return self.outdir / f"{self.stack.stack_name}.template.json"


def synth(outdir: Path, **context: Any) -> Synth:
    """Synthesise the app as `cdk synth` would, cdk-nag included (it raises on findings)."""
    app = cdk.App(outdir=str(outdir), context=context)
    stack = build(app)
    app.synth()
    return Synth(stack, Template.from_stack(stack), outdir)


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(tmp_path_factory.mktemp("dev"))


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One output directory for the synths whose template alone is read, as `cdk synth`
    reuses cdk.out: the layer's thousands of files are hashed and copied there once, not
    once a synth. Each synth overwrites the last one's files, so none of their `file` or
    `outdir` is read (`dev`'s are its own)."""
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="session")
def prod(variants: Path) -> Synth:
    return synth(variants, stage="prod", tick_minutes=5, sends_per_second=1000)


SENDER = "Admissions <admissions@example.edu>"


@pytest.fixture(scope="session")
def with_email(variants: Path) -> Synth:
    """A deployment that emails from an SES identity, with a display name."""
    return synth(variants, email_from=SENDER)
