"""The JetStream streams, declared here once for code, mirrored in deploy/k8s/nats/streams.yaml."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

DEDUP_WINDOW_S = 120.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_days: int = 30

    def config(self, replicas: int = 1) -> StreamConfig:
        return StreamConfig(
            num_replicas=replicas,
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_days * 86400.0,
            duplicate_window=DEDUP_WINDOW_S,
        )


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("AUTH", ("user.v1.>", "session.v1.>", "audit.v1.>")),
    StreamSpec("CONNECTORS", ("connector.v1.>", "campaign.v1.>", "metrics.v1.fetched")),
    StreamSpec("AI_COPY", ("copy.v1.>",)),
    StreamSpec("METRICS", ("metrics.v1.updated", "budget.v1.>", "alert.v1.>", "report.v1.>")),
    StreamSpec("NOTIFY", ("notification.v1.>",)),
    StreamSpec("SCHEDULE", ("schedule.v1.>",), max_age_days=2),
    StreamSpec("DEADLETTER", ("deadletter.>",), max_age_days=90),
)


def stream_for_subject(subject: str) -> StreamSpec:
    for spec in STREAMS:
        for pattern in spec.subjects:
            if _matches(pattern, subject):
                return spec
    raise LookupError(f"no stream captures subject {subject!r}")


def _matches(pattern: str, subject: str) -> bool:
    p_tokens, s_tokens = pattern.split("."), subject.split(".")
    for i, part in enumerate(p_tokens):
        if part == ">":
            return len(s_tokens) > i
        if i >= len(s_tokens) or part not in ("*", s_tokens[i]):
            return False
    return len(p_tokens) == len(s_tokens)
