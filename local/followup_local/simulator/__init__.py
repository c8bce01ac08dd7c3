"""The demo funnel run through the real handlers on a virtual clock, with its report."""

from followup_local.simulator.report import Outcome
from followup_local.simulator.run import SimulationConfig, simulate

__all__ = ["Outcome", "SimulationConfig", "simulate"]
