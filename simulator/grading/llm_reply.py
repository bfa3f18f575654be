"""The LLM judge's reply: its schema for one rubric, and parsing that trusts nothing it is sent."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ..bank import Rubric

# Caps on what the LLM may write (sent in the schema, enforced again on the reply).
# Short on purpose: feedback a person reads in a glance, and a bounded reply from slow local models.
JUSTIFICATION_CHARS = 200
QUOTE_CHARS = 120
ADVICE_ITEMS, ADVICE_CHARS = 3, 200
OUTLINE_ITEMS, OUTLINE_CHARS = 5, 150
FOLLOW_UP_CHARS = 200


class LLMFailure(Exception):
    """Why the LLM judgement could not be used; the message is one short sentence, no secrets."""


def reply_model(rubric: Rubric, n_points: int) -> type[BaseModel]:
    """A pydantic model of the reply for this rubric: every criterion required, scores in range, text capped."""
    strict = ConfigDict(extra="forbid")
    criterion = create_model(
        "CriterionVerdict",
        __config__=strict,
        justification=(str, Field(max_length=JUSTIFICATION_CHARS)),
        quote=(str, Field(max_length=QUOTE_CHARS)),
        score=(int, Field(ge=rubric.scale.min, le=rubric.scale.max)),
    )
    # Field names are positional and the rubric ids are aliases, so an id can never clash with a
    # pydantic attribute (a criterion called "copy" or "json").
    fields: dict[str, Any] = {f"c{i}": (criterion, Field(alias=c.id)) for i, c in enumerate(rubric.criteria)}
    criteria = create_model("CriterionScores", __config__=strict, **fields)
    point = Annotated[int, Field(ge=1, le=max(1, n_points))]
    advice = Annotated[str, Field(max_length=ADVICE_CHARS)]
    outline = Annotated[str, Field(max_length=OUTLINE_CHARS)]
    return create_model(
        "Verdict",
        __config__=strict,
        criteria=(criteria, ...),
        missed_key_points=(list[point], Field(max_length=max(1, n_points))),
        advice=(list[advice], Field(max_length=ADVICE_ITEMS)),
        outline=(list[outline], Field(max_length=OUTLINE_ITEMS)),
        follow_up=(str, Field(max_length=FOLLOW_UP_CHARS)),
    )


def response_format(model: type[BaseModel]) -> dict[str, Any]:
    """The `response_format` for structured output with this reply model."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "rubric_verdict", "strict": True, "schema": model.model_json_schema()},
    }


def _cut(value: Any, chars: int) -> Any:
    return value[:chars] if isinstance(value, str) else value


def clamp_reply(data: Any, rubric: Rubric, n_points: int) -> dict[str, Any]:
    """Cut over-long text and lists to the caps; drop unknown top-level keys and stray key-point numbers.

    Scores are not clamped: a score outside the scale means the model did not follow the rubric,
    and the reply is rejected rather than guessed at.
    """
    if not isinstance(data, dict):
        raise LLMFailure("the reply was JSON but not an object")
    out: dict[str, Any] = {}
    criteria = data.get("criteria")
    if isinstance(criteria, dict):
        fixed: dict[str, Any] = {}
        for cid, item in criteria.items():
            if isinstance(item, dict):
                item = {**item}
                item["justification"] = _cut(item.get("justification", ""), JUSTIFICATION_CHARS)
                item["quote"] = _cut(item.get("quote", ""), QUOTE_CHARS)
                score = item.get("score")
                if isinstance(score, float) and score.is_integer():
                    item["score"] = int(score)
            fixed[cid] = item
        out["criteria"] = fixed
    else:
        out["criteria"] = criteria
    missed = data.get("missed_key_points") or []
    out["missed_key_points"] = sorted(
        {m for m in missed if isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= n_points}
        if isinstance(missed, list)
        else set()
    )[:n_points]
    for key, items, chars in (("advice", ADVICE_ITEMS, ADVICE_CHARS), ("outline", OUTLINE_ITEMS, OUTLINE_CHARS)):
        value = data.get(key) or []
        out[key] = (
            [_cut(v, chars) for v in value if isinstance(v, str) and v.strip()][:items]
            if isinstance(value, list)
            else []
        )
    follow = data.get("follow_up")
    out["follow_up"] = _cut(follow, FOLLOW_UP_CHARS) if isinstance(follow, str) else ""
    return out


def parse_reply(content: str, model: type[BaseModel], rubric: Rubric, n_points: int) -> BaseModel:
    """Parse, clamp and validate the model's reply, or raise LLMFailure saying what was wrong."""
    try:
        data = json.loads(content)
    except ValueError:
        raise LLMFailure("the reply was not valid JSON") from None
    data = clamp_reply(data, rubric, n_points)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        # Keys come from the reply, so from text an injection may have steered: short and plain only.
        loc = [p if re.fullmatch(r"[A-Za-z0-9_]{1,40}", p) else "?" for p in map(str, err["loc"])]
        if err["type"] in {"less_than_equal", "greater_than_equal"} and loc[-1] == "score":
            raise LLMFailure(
                f"the reply scored {loc[1]} outside the rubric's {rubric.scale.min}-{rubric.scale.max} scale"
            ) from None
        if err["type"] == "missing":
            raise LLMFailure(f"the reply left out {'.'.join(loc)}") from None
        raise LLMFailure(f"the reply did not follow the rubric schema at {'.'.join(loc) or 'the top level'}") from None


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip(" \"'“”.")


def quoted(quote: str, answer: str) -> bool:
    """A quote counts only if the answer really contains it (models paraphrase, injections invent)."""
    q = _normal(quote)
    return len(q) >= 3 and q in _normal(answer)
