"""Optional wording of an answer by a language model the person runs themselves.

Only when configured — ``LINERNOTES_LLM_URL`` (an OpenAI-compatible server, e.g. a local llama.cpp or Ollama:
``http://127.0.0.1:11434``) and ``LINERNOTES_LLM_MODEL``, optionally ``LINERNOTES_LLM_KEY`` — ``ask`` sends
one ``POST {url}/v1/chat/completions`` with the *aggregated figures of the answer only*: the question, the
insight's name, the period, the figure and the few names and numbers of the answer sentence. Never plays,
timestamps or the insight's full result. Any failure (no server, timeout, odd reply) falls back to the
template sentence; the standard library does the HTTP, nothing is installed or downloaded.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 4.0
SYSTEM = ("You rephrase facts about a person's own music listening into one or two friendly, precise sentences. "
          "Use only the facts given; keep every number and name exactly; do not invent anything.")


@dataclass(frozen=True)
class LLMConfig:
    url: str
    model: str
    key: str | None = None
    timeout: float = TIMEOUT_S

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if base.endswith("/v1"):
            return base + "/chat/completions"
        return base + "/v1/chat/completions"


def config_from_env(env: dict[str, str] | None = None) -> LLMConfig | None:
    env = dict(os.environ) if env is None else env
    url, model = env.get("LINERNOTES_LLM_URL"), env.get("LINERNOTES_LLM_MODEL")
    if not url or not model:
        return None
    return LLMConfig(url=url, model=model, key=env.get("LINERNOTES_LLM_KEY") or None)


def facts(answer: Any) -> dict[str, Any]:
    """What may leave the program: the answer's aggregated figures, nothing about individual plays."""
    out: dict[str, Any] = {
        "question": answer.question,
        "insight": answer.insight,
        "period": answer.period,
        "answer": answer.sentence,
        "figure": answer.value if isinstance(answer.value, str | int | float) else None,
    }
    if answer.unit:
        out["unit"] = answer.unit
    if answer.entity:
        out["about"] = answer.entity.get("name")
    return out


def build_request(cfg: LLMConfig, payload: dict[str, Any]) -> urllib.request.Request:
    body = {
        "model": cfg.model,
        "temperature": 0.2,
        "max_tokens": 120,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Facts (JSON): " + json.dumps(payload, ensure_ascii=False, default=str)},
        ],
    }
    headers = {"Content-Type": "application/json"}
    if cfg.key:
        headers["Authorization"] = f"Bearer {cfg.key}"
    return urllib.request.Request(cfg.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST")


def phrase(answer: Any, cfg: LLMConfig) -> str | None:
    """The model's wording of ``answer``, or None on any error (the caller keeps its template)."""
    try:
        request = build_request(cfg, facts(answer))
        with urllib.request.urlopen(request, timeout=cfg.timeout) as response:
            reply = json.loads(response.read().decode("utf-8"))
        text = reply["choices"][0]["message"]["content"]
    except (OSError, ValueError, KeyError, IndexError, TypeError, urllib.error.URLError):
        return None
    if not isinstance(text, str) or not text.strip():
        return None
    return " ".join(text.split())[:600]
