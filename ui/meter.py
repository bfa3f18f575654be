"""The live word count, speaking time and countdown under an answer box (a small JS component)."""

from __future__ import annotations

import functools
from typing import Any

import streamlit.components.v2 as components

from simulator.speech import TYPED_WPM
from ui.widgets import widget_key

_METER_JS = """
export default function(component) {
  const { data, parentElement, setTriggerValue } = component;
  const words = parentElement.querySelector('.words');
  const clock = parentElement.querySelector('.clock');
  // Looked up on every use, never kept: Streamlit may replace the textarea element on a rerun
  // (e.g. when the grader finishes warming up), and a listener on the old one would go deaf.
  const selector = '.st-key-' + data.key + ' textarea';
  const box = () => document.querySelector(selector);
  // As simulator.text.human_duration says it, for the lengths an answer takes.
  const fmt = (s) => s < 10 ? 'under 10 s' : s < 60 ? s + ' s'
    : s < 600 ? Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '') : Math.round(s / 60) + ' min';
  const onInput = (event) => { if (event.target.matches && event.target.matches(selector)) count(); };
  const count = () => {
    const text = box() ? box().value : '';
    const n = (text.match(/[\\p{L}\\p{N}]+(?:['’\\-.][\\p{L}\\p{N}]+)*/gu) || []).length;
    const s = Math.round(n * 60 / data.wpm);
    words.textContent = n + (n === 1 ? ' word' : ' words') + ' · ' + (s < 10 ? '' : 'about ') + fmt(s) + ' spoken';
  };
  count();
  document.addEventListener('input', onInput, true);
  let timer = null;
  if (data.remaining_ms !== null && data.remaining_ms !== undefined) {
    const end = performance.now() + data.remaining_ms;
    const tick = () => {
      const left = Math.max(0, end - performance.now());
      const s = Math.ceil(left / 1000);
      clock.textContent = 'Time left ' + Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
      clock.classList.toggle('low', s <= 30);
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        clock.textContent = 'Time is up: submitting your answer as it stands';
        setTriggerValue('expired', box() ? box().value : '');
      }
    };
    tick();
    timer = setInterval(tick, 250);
  }
  return () => {
    document.removeEventListener('input', onInput, true);
    if (timer) clearInterval(timer);
  };
}
"""
_METER_CSS = """
.meter { display: flex; gap: 1.5rem; align-items: baseline; font-size: 0.875rem; color: var(--st-text-color); }
.words { opacity: 0.7; }
/* Plain text, no emoji: a glyph missing from the machine's fonts would show as a box. */
.clock { font-size: 1.25rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.clock.low { color: #c0392b; }
"""


@functools.cache
def _meter() -> Any:
    """Registered on first use, inside a running app (registration needs the runtime)."""
    return components.component(
        "answer_meter",
        html="<div class='meter'><span class='words'></span><span class='clock'></span></div>",
        css=_METER_CSS,
        js=_METER_JS,
    )


def answer_meter(
    text_key: str,
    key: str | None = None,
    remaining_s: float | None = None,
    on_expired: Any = None,
    args: tuple[Any, ...] = (),
) -> Any:
    """Live word count and speaking time of the text area `text_key`; a countdown when timed.

    The count updates as the person types (a text area only reports its value when it loses
    focus); at zero the countdown sends the text as it stands through `on_expired`. `key` defaults
    to one derived from `text_key`.
    """
    data = {
        "key": text_key,
        "wpm": TYPED_WPM,
        "remaining_ms": None if remaining_s is None else int(remaining_s * 1000),
    }
    kwargs: dict[str, Any] = {"data": data, "key": key or widget_key("meter", text_key)}
    if on_expired is not None:
        kwargs["on_expired_change"] = lambda: on_expired(*args)
    return _meter()(**kwargs)
