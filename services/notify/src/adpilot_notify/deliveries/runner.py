"""Sending deliveries: one leased-job runner per channel, so a slow or dead channel never starves the others.

Per attempt: build the message, send it under the channel's timeout, then record the attempt and either finish
the job (sent / failed for good) or hand it back to the queue with a delay (transient failure: back-off or the
server's Retry-After, until the channel's retry policy runs out)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_common.crypto import DecryptionError, SecretBox
from adpilot_common.jobs import JobLease, JobRunner, JobStatus, RetryLater, finish_job
from adpilot_common.logging import get_logger
from adpilot_notify.channels.base import (
    Channel,
    Message,
    PermanentFailure,
    Rendered,
    SendFailed,
    TransientFailure,
)
from adpilot_notify.config import RetryPolicy, Settings
from adpilot_notify.deliveries import repository
from adpilot_notify.deliveries.observability import count_attempt
from adpilot_notify.models import Delivery, WebhookEndpoint
from adpilot_notify.templates.renderer import render

log = get_logger(__name__)
EMPTY = Rendered(subject="", text="", html=None, short="")
# Templates whose variables carry one-time secrets (links with tokens, confirmation codes).
SECRET_TEMPLATES = frozenset({"verify_email", "reset_password", "invitation", "destination_code"})


def backoff(policy: RetryPolicy, attempt: int, retry_after_s: float | None) -> float:
    if retry_after_s is not None:
        return retry_after_s
    return float(min(policy.max_delay_s, policy.base_delay_s * 2 ** max(0, attempt - 1)))


class DeliverySender:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        channels: dict[str, Channel],
        box: SecretBox,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._channels = channels
        self._box = box

    def policy(self, channel: str) -> RetryPolicy:
        return self._settings.webhooks.retry if channel == "webhook" else self._settings.retry

    def timeout(self, channel: str) -> float:
        s = self._settings
        timeouts = {
            "email": max(s.smtp.timeout_s, s.resend.timeout_s),
            "whatsapp": s.whatsapp.timeout_s,
            "signal": s.signal.timeout_s,
            "webhook": s.webhooks.timeout_s,
        }
        return timeouts[channel] + 5.0  # the client's own timeout fires first; this bounds everything else

    async def __call__(self, job_id: uuid.UUID, lease: JobLease) -> None:
        started = time.monotonic()
        async with self._sessions() as session:
            delivery = await session.get(Delivery, job_id)
            assert delivery is not None
            channel, retry_from = delivery.channel, delivery.retry_from
        try:
            message = await self._message(delivery)
            status_code = await asyncio.wait_for(
                self._channels[channel].send(message), timeout=self.timeout(channel)
            )
        except TimeoutError:
            failure: SendFailed = TransientFailure(f"{channel} did not answer in time")
        except SendFailed as exc:
            failure = exc
        else:
            await self._succeeded(delivery, lease, status_code, _ms(started))
            return
        policy = self.policy(channel)
        if isinstance(failure, TransientFailure):
            delay = backoff(policy, lease.attempt, failure.retry_after_s)
            deadline = retry_from + timedelta(seconds=policy.window_s)
            if (
                lease.attempt < policy.max_attempts
                and datetime.now(UTC) + timedelta(seconds=delay) <= deadline
            ):
                async with self._sessions() as session, session.begin():
                    await repository.record_attempt(
                        session, job_id, "retry", status_code=failure.status_code, error=str(failure),
                        duration_ms=_ms(started),
                    )  # fmt: skip
                    await session.execute(
                        update(Delivery)
                        .where(Delivery.id == job_id)
                        .values(last_status_code=failure.status_code)
                    )
                count_attempt(channel, "retried", _ms(started))
                log.info("delivery deferred", delivery_id=str(job_id), channel=channel, delay_s=delay)
                raise RetryLater(str(failure), delay_s=delay)
            reason = f"gave up after {lease.attempt} attempts: {failure}"
        else:
            reason = str(failure)
        await self._failed(delivery, lease, reason, failure.status_code, _ms(started))

    async def _message(self, d: Delivery) -> Message:
        if d.channel == "webhook":
            async with self._sessions() as session:
                endpoint = await session.get(WebhookEndpoint, d.endpoint_id) if d.endpoint_id else None
            if endpoint is None or endpoint.org_id != d.org_id:
                raise PermanentFailure("webhook endpoint was deleted")
            if not endpoint.enabled:
                raise PermanentFailure("webhook endpoint is disabled")
            try:
                secret = self._box.decrypt(endpoint.secret_encrypted).decode()
            except DecryptionError as exc:
                raise PermanentFailure(
                    "webhook secret cannot be decrypted (encryption keys changed?)"
                ) from exc
            return Message(
                to=endpoint.url,
                template=d.template,
                locale=d.locale,
                rendered=EMPTY,
                body=str(d.context["body"]).encode(),
                secret=secret,
                event_type=d.event_type,
                delivery_id=str(d.id),
            )
        context: dict[str, Any] = {**d.context, "locale": d.locale}
        if d.template == "digest":
            async with self._sessions() as session:
                members = await repository.digest_members(session, d.id)
                items = []
                for member in members:
                    r = render(member.template, d.locale, {**member.context, "locale": d.locale})
                    items.append({"subject": r.subject, "short": r.short})
            if not items:
                raise PermanentFailure("digest has no entries")
            context["items"] = items
        return Message(
            to=d.destination,
            template=d.template,
            locale=d.locale,
            rendered=render(d.template, d.locale, context),
            delivery_id=str(d.id),
        )

    async def _succeeded(self, d: Delivery, lease: JobLease, status_code: int | None, ms: int) -> None:
        async with self._sessions() as session, session.begin():
            await repository.record_attempt(session, d.id, "sent", status_code=status_code, duration_ms=ms)
            # Sent: one-time tokens and codes have no reason to stay at rest (failed ones stay for a retry).
            scrub: dict[str, Any] = {"context": {}} if d.template in SECRET_TEMPLATES else {}
            await finish_job(
                session,
                Delivery,
                d.id,
                JobStatus.SUCCEEDED,
                lease=lease,
                last_status_code=status_code,
                **scrub,
            )
            if d.template == "digest":
                await repository.finish_members(session, d.id, JobStatus.SUCCEEDED.value, None)
            if d.endpoint_id is not None:
                await session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == d.endpoint_id)
                    .values(consecutive_failures=0)
                )
        count_attempt(d.channel, "sent", ms)
        log.info("delivery sent", delivery_id=str(d.id), channel=d.channel, template=d.template)

    async def _failed(
        self, d: Delivery, lease: JobLease, reason: str, status_code: int | None, ms: int
    ) -> None:
        async with self._sessions() as session, session.begin():
            await repository.record_attempt(
                session, d.id, "failed", status_code=status_code, error=reason, duration_ms=ms
            )
            await finish_job(
                session,
                Delivery,
                d.id,
                JobStatus.FAILED,
                reason[:2000],
                lease=lease,
                last_status_code=status_code,
            )
            if d.template == "digest":
                await repository.finish_members(session, d.id, JobStatus.FAILED.value, reason[:2000])
            if d.endpoint_id is not None and "endpoint is disabled" not in reason and "deleted" not in reason:
                await self._count_endpoint_failure(session, d.endpoint_id)
        count_attempt(d.channel, "failed", ms)
        log.warning("delivery failed", delivery_id=str(d.id), channel=d.channel, reason=reason)

    async def _count_endpoint_failure(self, session: AsyncSession, endpoint_id: uuid.UUID) -> None:
        limit = self._settings.webhooks.disable_after_failures
        endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
        if endpoint is None:
            return
        endpoint.consecutive_failures += 1
        if endpoint.enabled and endpoint.consecutive_failures >= limit:
            endpoint.enabled = False
            endpoint.disabled_reason = (
                f"disabled after {endpoint.consecutive_failures} consecutive failed deliveries"
            )
            log.warning("webhook endpoint disabled", endpoint_id=str(endpoint_id))


async def delivery_gave_up(session: AsyncSession, job_id: uuid.UUID, error: str) -> None:
    """The runner gave up (handler crashes, or workers dying mid-send): keep the attempt in the log."""
    await repository.record_attempt(session, job_id, "failed", error=error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def build_runners(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], sender: DeliverySender, listen_dsn: str
) -> list[JobRunner]:
    """One runner per channel, each claiming only its channel's deliveries: a slow channel never delays another."""
    max_attempts = max(settings.retry.max_attempts, settings.webhooks.retry.max_attempts) + 1
    return [
        JobRunner(
            Delivery,
            sessions,
            sender,
            listen_dsn=listen_dsn,
            concurrency=settings.delivery_concurrency,
            poll_interval_s=settings.delivery_poll_interval_s,
            max_attempts=max_attempts,
            lease_s=max(60.0, sender.timeout(channel) * 3),
            on_give_up=delivery_gave_up,
            claim_filter=Delivery.channel == channel,
        )
        for channel in ("email", "whatsapp", "signal", "webhook")
    ]
