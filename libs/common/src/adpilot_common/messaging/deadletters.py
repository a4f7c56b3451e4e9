"""Operator commands for the dead-letter stream (see docs/runbook.md, alert AdpilotDeadLetters)::

    python -m adpilot_common.messaging.deadletters [--nats-url URL] list [--consumer NAME]
    python -m adpilot_common.messaging.deadletters [--nats-url URL] replay --consumer NAME [--seq N ...]
    python -m adpilot_common.messaging.deadletters [--nats-url URL] purge --consumer NAME

* ``list``: dead letters per consumer; with ``--consumer``, one line per entry (DLQ sequence, reason, attempts,
  event id, error).
* ``replay``: after the fix is deployed, publish each entry's original message on its subject again and remove
  the entry. Every consumer of the subject receives it; those that applied it already skip it (their inbox), so
  only the consumer that failed applies it, once. A replayed entry that fails again is dead-lettered again.
* ``purge``: drop the consumer's entries without replaying them (after deciding they must not be applied).

The NATS URL defaults to ``$NATS_URL``, else the development server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING

import nats
from nats.js.errors import NotFoundError

from adpilot_common.messaging.consumer import DeadLetter, dead_letter_subject

if TYPE_CHECKING:
    from nats.js import JetStreamContext

DEAD_LETTER_STREAM = "DEADLETTER"
DEFAULT_NATS_URL = "nats://127.0.0.1:14222"


async def counts(js: JetStreamContext) -> dict[str, int]:
    """Dead letters per consumer."""
    try:
        info = await js.stream_info(DEAD_LETTER_STREAM, subjects_filter="deadletter.>")
    except NotFoundError:
        return {}
    subjects = info.state.subjects or {}
    return {subject.removeprefix("deadletter."): n for subject, n in sorted(subjects.items())}


async def entries(js: JetStreamContext, consumer: str) -> AsyncIterator[tuple[int, DeadLetter]]:
    """The consumer's dead letters, oldest first, with their sequence in the dead-letter stream."""
    seq = 1
    while True:
        try:
            raw = await js.get_msg(
                DEAD_LETTER_STREAM, seq=seq, subject=dead_letter_subject(consumer), next=True
            )
        except NotFoundError:
            return
        assert raw.seq is not None and raw.data is not None
        yield raw.seq, DeadLetter.model_validate_json(raw.data)
        seq = raw.seq + 1


async def replay(js: JetStreamContext, consumer: str, only: Collection[int] = ()) -> int:
    """Republish the consumer's dead letters (or those at the sequences ``only``); returns how many."""
    replayed = 0
    async for seq, letter in entries(js, consumer):
        if only and seq not in only:
            continue
        # A new message id (the original's is still in the dedup window right after a failure), stable per entry:
        # a replay run twice within the window publishes once; after it, the consumer's inbox drops the repeat.
        await js.publish(
            letter.subject, letter.payload.encode(), headers={"Nats-Msg-Id": f"replay:{consumer}:{seq}"}
        )
        await js.delete_msg(DEAD_LETTER_STREAM, seq)
        replayed += 1
    return replayed


async def purge(js: JetStreamContext, consumer: str) -> int:
    before = (await counts(js)).get(consumer, 0)
    await js.purge_stream(DEAD_LETTER_STREAM, subject=dead_letter_subject(consumer))
    return before


async def run(nats_url: str, command: str, consumer: str | None, seqs: Collection[int]) -> list[str]:
    client = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        js = client.jetstream()
        if command == "list" and consumer is None:
            return [f"{name}\t{n}" for name, n in (await counts(js)).items()] or ["no dead letters"]
        assert consumer is not None, "--consumer is required"
        if command == "list":
            return [
                json.dumps(
                    {
                        "seq": seq,
                        "reason": letter.reason,
                        "attempts": letter.attempts,
                        "subject": letter.subject,
                        "stream_seq": letter.stream_seq,
                        "failed_at": letter.failed_at.isoformat(),
                        "event_id": _event_id(letter.payload),
                        "error": letter.error,
                    }
                )
                async for seq, letter in entries(js, consumer)
            ]
        if command == "replay":
            return [f"replayed {await replay(js, consumer, seqs)} message(s) of {consumer}"]
        return [f"purged {await purge(js, consumer)} message(s) of {consumer}"]
    finally:
        await client.close()


def _event_id(payload: str) -> str | None:
    try:
        value = json.loads(payload).get("id")
    except (ValueError, AttributeError):
        return None  # a malformed message: it had no envelope to begin with
    return str(value) if value is not None else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL", DEFAULT_NATS_URL))
    parser.add_argument("command", choices=["list", "replay", "purge"])
    parser.add_argument("--consumer", help="durable consumer name, e.g. notify--user-v1-registered")
    parser.add_argument(
        "--seq", type=int, action="append", default=[], help="replay only these DLQ sequences"
    )
    args = parser.parse_args(argv)
    if args.command != "list" and not args.consumer:
        parser.error(f"{args.command} needs --consumer")
    for line in asyncio.run(run(args.nats_url, args.command, args.consumer, args.seq)):
        print(line)


if __name__ == "__main__":
    main()
