"""A fake OpenAI-compatible chat completions server (scripted replies, recorded requests) and the provider
settings and answers the LLM tests use with it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

PRIMARY_KEY = "sk-test-primary-secret"
BACKUP_KEY = "sk-test-backup-secret"


@dataclass
class Reply:
    """One scripted answer: JSON ``content``, an HTTP ``status`` error, or ``hang`` (never answers in time)."""

    content: str | None = None
    status: int = 200
    hang: bool = False
    prompt_tokens: int = 100
    completion_tokens: int = 50


@dataclass
class FakeLLM:
    """An OpenAI-compatible server: scripted replies per model name (``openai/<name>`` in litellm), every
    request recorded with its headers."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    scripts: dict[str, deque[Reply]] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def script(self, model: str, *replies: Reply) -> None:
        self.scripts.setdefault(model, deque()).extend(replies)

    def calls(self, model: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["body"]["model"] == model]

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
        queue = self.scripts.get(body["model"])
        if not queue:
            return JSONResponse({"error": {"message": "no scripted reply", "type": "server_error"}}, 500)
        reply = queue.popleft()
        if reply.hang:
            await self.release.wait()  # the client's timeout fires long before the test ends
        if reply.status != 200:
            return JSONResponse(
                {"error": {"message": "upstream failure", "type": "server_error"}}, reply.status
            )
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:8]}",
                "object": "chat.completion",
                "created": 1764000000,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": reply.content},
                    }
                ],
                "usage": {
                    "prompt_tokens": reply.prompt_tokens,
                    "completion_tokens": reply.completion_tokens,
                    "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                },
            }
        )


def llm_providers(fake: FakeLLM, *, timeout_s: float = 5.0) -> list[dict[str, Any]]:
    """Two providers on the fake, primary first; litellm retries off so every attempt is visible."""
    common = {"api_base": fake.url, "timeout_s": timeout_s, "num_retries": 0,
              "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}  # fmt: skip
    return [
        {"model": "openai/primary", "api_key": PRIMARY_KEY, **common},
        {"model": "openai/backup", "api_key": BACKUP_KEY, **common},
    ]


def google_json(n: int = 1, *, headlines: list[str] | None = None) -> str:
    variants = [
        {
            "headlines": headlines or [f"Fresh Coffee {i}", f"Roasted Weekly {i}", f"Order Beans {i}"],
            "descriptions": [
                f"Single-origin beans roasted to order {i}.",
                f"Free delivery on every box {i}.",
            ],
            "path1": "coffee",
            "path2": "beans",
        }
        for i in range(n)
    ]
    return json.dumps({"variants": variants})


def meta_json(n: int = 1) -> str:
    variant = {
        "primary_text": "Coffee roasted weekly {}.",
        "headline": "Fresh beans {}",
        "description": "Order now {}",
    }
    return json.dumps({"variants": [{k: v.format(i) for k, v in variant.items()} for i in range(n)]})
