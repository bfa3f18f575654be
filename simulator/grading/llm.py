"""The LLM judge: rubric feedback from any OpenAI-compatible server, bounded by the embedding evidence.

The embedding judge always runs first and its judgement is the evidence: a gated answer never
reaches the LLM, and the LLM's rubric score may move the final score only within a band around the
evidence score (`combine`). Any failure, from a refused connection to a reply that breaks the
schema, returns the embedding judgement with `fallback_reason` saying why, in one sentence. A reply
that fails an output check (`llm_checks`), or any reply from a model that failed qualification, is
advisory: what survives the checks is shown as the model's opinion and the score is the evidence's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from ..bank import Question, Rubric
from ..config import LLMSettings
from ..errors import ConfigError, SimulatorError
from ..openai_client import make_client, server_name
from .embedding import EmbeddingJudge
from .judgement import Criterion, Judgement, LLMUsage, band_for
from .llm_checks import check_reply
from .llm_prompt import new_code, render_messages
from .llm_reply import LLMFailure, parse_reply, quoted, reply_model, response_format
from .scoring import WEIGHTS

log = logging.getLogger(__name__)

PROMPT_VERSION = "llm-judge-1"

# The combination rule. The LLM reads the answer and can catch what similarity cannot (a right
# word in a wrong sentence), so it may lower the score a lot. It can also be flattered, injected or
# simply wrong, so it may raise the score only as far as the key-point evidence supports: at most
# MAX_LIFT points, scaled by the weighted share of key points the embedding judge found. An answer
# in which no key point was found cannot be lifted at all, whatever the LLM was talked into.
MAX_LIFT = 2.0  # final <= evidence + 2 x coverage
MAX_DROP = 4.0  # final >= evidence - 4: one bad LLM reply cannot zero a well-evidenced answer
DISAGREEMENT = 3.0  # |LLM - evidence| at or above this is flagged for the person to see

# A slow CPU model may take a while to write its reply.
READ_TIMEOUT = 90.0
MAX_TOKENS = 1500

ResponseFormat = Literal["json_schema", "json_object"]


# --- the combination rule -------------------------------------------------------------------


def coverage(evidence: Judgement) -> float:
    """The weighted share (0-1) of key points the embedding judge found in the answer."""
    total = sum(WEIGHTS[k.weight] for k in evidence.key_points)
    return sum(WEIGHTS[k.weight] for k in evidence.key_points if k.hit) / total if total else 0.0


def combine(evidence_score: float, llm_score: float, covered: float, ceiling: float | None = None) -> float:
    """The final score: the LLM's rubric score kept within [evidence - MAX_DROP, evidence + MAX_LIFT x covered],
    and never above the answer's ceiling (a too-short answer stays weak whoever grades it)."""
    bounded = min(llm_score, evidence_score + MAX_LIFT * max(0.0, min(1.0, covered)))
    bounded = max(bounded, evidence_score - MAX_DROP)
    return round(max(0.0, min(10.0 if ceiling is None else ceiling, bounded)), 1)


def model_warning(model: str | None) -> str | None:
    """A sentence for the UI when the configured model is known to grade poorly, else None."""
    name = (model or "").lower()
    if "smollm" in name or "135m" in name:
        return (
            "SmolLM2-135M is a tiny test model: its rubric scores and feedback are poor. The score stays "
            "bounded by the key-point evidence, but for useful feedback point the judge at a larger model."
        )
    return None


# --- the cache ------------------------------------------------------------------------------


class VerdictCache:
    """LLM verdicts on disk, keyed by a hash of (model, server, prompt); never holds the API key."""

    def __init__(self, directory: Path | None):
        self.directory = directory

    @staticmethod
    def key(model: str, base_url: str, messages: list[dict]) -> str:
        payload = json.dumps([PROMPT_VERSION, model, base_url, messages], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        if self.directory is None:
            return None
        try:
            data = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, data: dict[str, Any]) -> None:
        if self.directory is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.directory / f"{key}.json")
        except OSError as exc:  # a cache that cannot be written costs a call next time, nothing more
            log.warning("LLM verdict cache not written: %s", exc.strerror)


def explain_failure(exc: BaseException, settings: LLMSettings, read_timeout: float) -> str:
    """One short sentence for an exception; never the server's own message (it can echo the key)."""
    if isinstance(exc, (LLMFailure, SimulatorError)):
        return str(exc)
    if isinstance(exc, openai.APITimeoutError):
        return f"no reply from {server_name(settings.base_url)} within {read_timeout:g} s"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect to {server_name(settings.base_url)}"
    if isinstance(exc, openai.RateLimitError):
        return "the server is rate-limiting requests (HTTP 429)"
    if isinstance(exc, openai.AuthenticationError):
        if not settings.api_key:
            return "the server needs an API key: set OPENAI_API_KEY (HTTP 401)"
        return "the server rejected the API key (HTTP 401)"
    if isinstance(exc, openai.NotFoundError):
        return f"model {settings.model!r} or the URL was not found on the server (HTTP 404)"
    if isinstance(exc, openai.APIStatusError):
        return f"the server answered HTTP {exc.status_code}"
    if isinstance(exc, openai.OpenAIError):
        return f"the OpenAI client failed ({type(exc).__name__})"
    return f"unexpected {type(exc).__name__}"


def redact(text: str, secret: str | None) -> str:
    """Belt and braces: a key that somehow reached a message is cut out of it."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    return text


# --- the judge ------------------------------------------------------------------------------


class LLMJudge:
    """Rubric feedback from an OpenAI-compatible server, bounded by the embedding judge's evidence."""

    name = "llm"

    def __init__(
        self,
        evidence: EmbeddingJudge,
        settings: LLMSettings,
        rubrics: Mapping[str, Rubric],
        cache_dir: Path | None = None,
        client: openai.OpenAI | None = None,
        read_timeout: float = READ_TIMEOUT,
        max_tokens: int = MAX_TOKENS,
        advisory: bool = False,
    ):
        self.evidence = evidence
        self.advisory = advisory  # the model failed qualification: its replies never move the score
        self.settings = settings
        self.rubrics = rubrics
        self.cache = VerdictCache(cache_dir)
        self.read_timeout = read_timeout
        self.max_tokens = max_tokens
        self._client = client
        self._format: ResponseFormat = "json_schema"  # becomes json_object if the server rejects schemas

    @property
    def model(self) -> str:
        return self.settings.model or "unnamed model"

    def client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = make_client(self.settings, self.read_timeout)
        return self._client

    def judge(self, question: Question, answer: str) -> Judgement:
        """Grade one answer: evidence first, then the LLM within its bounds, else the evidence with a reason."""
        started = time.perf_counter()
        evidence = self.evidence.judge(question, answer)
        if not evidence.valid:
            return evidence  # gated: score 0 with its reason; the LLM never sees it
        try:
            judgement = self._judge_with_llm(question, answer, evidence, started)
        except Exception as exc:  # every failure becomes a visible fallback, never a traceback
            reason = redact(explain_failure(exc, self.settings, self.read_timeout), self.settings.api_key)
            log.info("LLM judge fell back to the embedding judge: %s", reason)
            return evidence.model_copy(update={"fallback_reason": f"LLM unavailable: {reason}."})
        return judgement

    def _judge_with_llm(self, question: Question, answer: str, evidence: Judgement, started: float) -> Judgement:
        rubric = self.rubrics.get(question.kind)
        if rubric is None:
            raise LLMFailure(f"no rubric for {question.kind} questions in rubrics/")
        n_points = len(question.key_points)
        model = reply_model(rubric, n_points)
        key = VerdictCache.key(
            self.model, self.settings.base_url or "", render_messages(question, rubric, evidence, answer, "")
        )
        cached = self.cache.get(key)
        verdict: BaseModel | None = None
        if cached is not None:
            try:
                verdict = model.model_validate(cached["verdict"])
                usage = LLMUsage(**{**cached["usage"], "cached": True, "latency_ms": 0.0})
            except (KeyError, TypeError, ValidationError):
                verdict = None
        if verdict is None:
            messages = render_messages(question, rubric, evidence, answer, new_code(answer))
            verdict, usage = self._ask(messages, model, rubric, n_points)
            self.cache.put(key, {"verdict": verdict.model_dump(by_alias=True), "usage": usage.model_dump()})
        return self._combine(question, rubric, evidence, answer, verdict, usage, started)

    def _ask(
        self, messages: list[dict], model: type[BaseModel], rubric: Rubric, n_points: int
    ) -> tuple[BaseModel, LLMUsage]:
        client = self.client()
        schema_format = response_format(model)
        t0 = time.perf_counter()
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        try:
            fmt = schema_format if self._format == "json_schema" else {"type": "json_object"}
            response = _create(client, **request, response_format=fmt)
        except openai.BadRequestError:
            if self._format != "json_schema":
                raise
            # Some servers know only JSON mode: ask again with the shape in words (the prompt has it).
            self._format = "json_object"
            t0 = time.perf_counter()
            response = _create(client, **request, response_format={"type": "json_object"})
        latency = (time.perf_counter() - t0) * 1000
        if not response.choices:
            raise LLMFailure("the reply had no choices")
        choice = response.choices[0]
        message = choice.message
        if getattr(message, "refusal", None) or choice.finish_reason == "content_filter":
            raise LLMFailure("the model refused to grade this answer")
        if choice.finish_reason == "length":
            raise LLMFailure(f"the reply was cut off at the {self.max_tokens}-token limit")
        if not message.content or not message.content.strip():
            raise LLMFailure("the reply was empty")
        verdict = parse_reply(message.content, model, rubric, n_points)
        usage = LLMUsage(
            latency_ms=round(latency, 1),
            prompt_tokens=response.usage.prompt_tokens if response.usage else None,
            completion_tokens=response.usage.completion_tokens if response.usage else None,
            response_format=self._format,
        )
        return verdict, usage

    def _combine(
        self,
        question: Question,
        rubric: Rubric,
        evidence: Judgement,
        answer: str,
        verdict: BaseModel,
        usage: LLMUsage,
        started: float,
    ) -> Judgement:
        data = verdict.model_dump(by_alias=True)
        scores = {cid: float(item["score"]) for cid, item in data["criteria"].items()}
        llm_score = round(rubric.score(scores), 1)
        checked = check_reply(data, answer, evidence)
        advisory = self.advisory or bool(checked.issues)
        final = evidence.score if advisory else combine(evidence.score, llm_score, coverage(evidence), evidence.ceiling)
        criteria = [
            Criterion(
                id=c.id,
                name=c.name,
                score=scores[c.id],
                max_score=float(rubric.scale.max),
                justification=data["criteria"][c.id]["justification"].strip(),
                quotes=[q] if (q := data["criteria"][c.id]["quote"].strip()) and quoted(q, answer) else [],
            )
            for c in rubric.criteria
        ]
        update: dict[str, Any] = {
            "score": final,
            "band": band_for(final),
            "criteria": criteria if checked.criteria_shown else [],
            "outline": checked.outline,
            "llm_score": llm_score,
            "evidence_score": evidence.score,
            "llm_issues": checked.issues,
            "advisory": advisory,
            "usage": usage,
            "judge": "llm",
            "model": self.model,
            "grader_version": f"{PROMPT_VERSION}+{evidence.grader_version}",
            "fallback_reason": None,
        }
        if advisory:
            # The model's words are its opinion; the number, the missed points and the follow-up stay the evidence's.
            update["opinion"] = checked.advice
        else:
            flagged = [question.key_points[i - 1] for i in data["missed_key_points"]]
            disagreement = abs(llm_score - evidence.score) >= DISAGREEMENT
            update |= {
                "missed": _union(evidence.missed, [k.text for k in flagged if k.weight == "must"]),
                "missed_nice": _union(evidence.missed_nice, [k.text for k in flagged if k.weight == "nice"]),
                "feedback": checked.advice + evidence.feedback[:1],
                "disagreement": disagreement,
                "disagreement_note": (
                    f"The LLM judge scored {llm_score:.1f} but the key-point evidence supports {evidence.score:.1f}; "
                    f"the score shown, {final:.1f}, stays within the bounds the evidence sets."
                )
                if disagreement
                else None,
            }
            if checked.follow_up:  # its own question, not one about a key point of the bank's
                update |= {"follow_up": checked.follow_up, "follow_up_point": None}
        update["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return evidence.model_copy(update=update)


def _create(client: openai.OpenAI, **request: Any) -> ChatCompletion:
    """chat.completions.create without streaming (its overloads cannot see through **request)."""
    return cast(ChatCompletion, cast(Any, client.chat.completions).create(**request))


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))


def check_connection(settings: LLMSettings, client: openai.OpenAI | None = None) -> str:
    """Send one tiny request; return a sentence for the Settings page or raise ConfigError saying why."""
    if not settings.configured:
        raise ConfigError("LLM judge not configured: set a base URL (OPENAI_BASE_URL) and a model (SIM_LLM_MODEL).")
    started = time.perf_counter()
    try:
        client = client or make_client(settings, read_timeout=30.0)
        _create(
            client,
            model=settings.model or "",
            messages=[{"role": "user", "content": "Reply with the word OK."}],
            max_tokens=4,
            temperature=0,
        )
    except Exception as exc:
        reason = redact(explain_failure(exc, settings, 30.0), settings.api_key)
        raise ConfigError(f"LLM unavailable: {reason}.") from None
    elapsed = time.perf_counter() - started
    message = f"Connected: {settings.model} at {server_name(settings.base_url)} answered in {elapsed:.1f} s."
    warning = model_warning(settings.model)
    return f"{message} {warning}" if warning else message
