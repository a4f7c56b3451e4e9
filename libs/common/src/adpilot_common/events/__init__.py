from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.registry import CONTRACTS, EventContract, contract_for

__all__ = ["CONTRACTS", "EventContract", "EventEnvelope", "contract_for"]
