"""The public endpoint `POST /webhook/{id-or-path}`.

Order: rate limit → find → authenticate → read (size cap) → parse → render →
record and queue (one transaction) → answer, optionally after the jobs finish.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.context import AppContext
from app.errors import AppError, error_responses
from app.inbound import calls, requests
from app.inbound.ratelimit import limiter_for

router = APIRouter(tags=["webhook"])

DESCRIPTION = """\
Authenticate with `X-Webhook-Secret: <secret>` or, for webhooks in `hmac` mode,
`X-Webhook-Signature: <hex HMAC-SHA256 of the raw body, keyed with the secret>`
(a `sha256=` prefix is accepted). Send JSON or a form; at most
`webhooks.maxBodyBytes`. `?wait=<seconds>` (up to 30) answers 200 once every
email is sent, 502 if one failed. A repeated `Idempotency-Key` gets the first
answer again. Each call is recorded (status, client address, jobs, error; not
the body)."""

POLL_SECONDS = 0.2


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": [
        _header("X-Webhook-Secret", "The webhook's secret (default auth mode)"),
        _header("X-Webhook-Signature", "hmac mode: hex HMAC-SHA256 of the raw body"),
        _header("Idempotency-Key", "Repeat-safe key: the first answer is replayed"),
        {
            "name": "wait",
            "in": "query",
            "required": False,
            "schema": {"type": "number", "minimum": 0, "maximum": 30},
            "description": "Seconds to wait for the emails to be sent",
        },
    ],
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {"type": "object", "additionalProperties": True},
                "example": {
                    "action": "send_email",
                    "to": "dest@example.com",
                    "subject": "Merci !",
                    "body": "Email automatique",
                },
            },
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": True}
            },
        },
    },
}


@router.post(
    "/webhook/{key:path}",
    operation_id="call_webhook",
    status_code=202,
    description=DESCRIPTION,
    responses={
        200: {"description": "With ?wait=: the jobs finished"},
        **error_responses(400, 401, 404, 413, 415, 422, 429, 502, 503),
    },
    openapi_extra=OPENAPI_EXTRA,
)
async def call_webhook(key: str, request: Request) -> JSONResponse:
    """Trigger an inbound webhook (X-Webhook-Secret, or X-Webhook-Signature)."""
    ctx: AppContext = request.app.state.ctx
    client_ip = request.client.host if request.client else None
    await run_in_threadpool(limiter_for(request).hit, client_ip or "unknown")
    target = await run_in_threadpool(calls.find_target, ctx, key)
    call = calls.Call(
        client_ip=client_ip,
        idempotency_key=None,
        content_type=request.headers.get("content-type"),
    )
    try:
        answer = await _handle(ctx, request, target, call)
    except AppError as error:
        await run_in_threadpool(calls.record_rejection, ctx, target, call, error)
        raise
    return JSONResponse(answer.body, status_code=answer.status_code)


async def _handle(
    ctx: AppContext, request: Request, target: calls.Target, call: calls.Call
) -> calls.Answer:
    if target.auth_mode == "secret":
        requests.check_secret(request, target.secret)
    raw = await requests.read_capped(request, ctx.settings.webhooks.max_body_bytes)
    call.body_bytes = len(raw)
    if target.auth_mode == "hmac":
        requests.check_signature(request, target.secret, raw)
    call.idempotency_key = requests.idempotency_key(request)
    first = await run_in_threadpool(calls.replay, ctx, target, call.idempotency_key)
    if first is not None:
        return first
    body = requests.parse_body(raw, call.content_type)
    wait = requests.wait_seconds(request)
    call.data = requests.template_data(request, body)
    answer = await run_in_threadpool(calls.execute, ctx, target, call)
    if wait and answer.status_code == 202:
        answer = await _wait_for_jobs(ctx, answer, wait)
    return answer


async def _wait_for_jobs(
    ctx: AppContext, answer: calls.Answer, seconds: float
) -> calls.Answer:
    """Poll the jobs until all are sent or failed, or `seconds` pass."""
    job_ids: list[str] = answer.body["jobs"]
    deadline = time.monotonic() + seconds
    results: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        results = await run_in_threadpool(calls.job_results, ctx, job_ids)
        if all(r["status"] in calls.FINAL_JOB_STATES for r in results):
            return await _settled(ctx, answer, results)
        await asyncio.sleep(POLL_SECONDS)
    return calls.Answer(202, {**answer.body, "results": results})


async def _settled(
    ctx: AppContext, answer: calls.Answer, results: list[dict[str, Any]]
) -> calls.Answer:
    failed = [r for r in results if r["status"] == "failed"]
    body = {**answer.body, "results": results}
    if failed:
        detail = "; ".join(f"job {r['jobId']}: {r.get('error')}" for r in failed)
        final = calls.Answer(
            502,
            {"error": "SendFailed", "detail": detail, **body, "status": "failed"},
        )
    else:
        final = calls.Answer(200, {**body, "status": "sent"})
    outcome = "failed" if failed else "sent"
    await run_in_threadpool(
        calls.settle, ctx, answer.body["invocationId"], final, outcome
    )
    return final
