"""Injected failures for the fake Bot API server: 429, 500, delays, dropped connections and
answers given verbatim ("raw": an HTML error page, bad JSON, a result missing fields)."""

from __future__ import annotations

from dataclasses import dataclass, replace

KINDS = frozenset({"429", "500", "delay", "drop", "raw"})


@dataclass(frozen=True)
class Fault:
    """One armed failure for a method; ``times`` counts how often it still fires."""

    method: str
    kind: str
    times: int = 1
    retry_after: int = 1
    seconds: float = 0.0
    body: str = ""  # "raw": the answer's body as is
    status: int = 200  # "raw": its HTTP status
    content_type: str = "application/json"  # "raw": its Content-Type


class FaultPlan:
    """Per-method queue of failures consumed by incoming requests in order."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._faults: list[Fault] = []
        self.fired: list[Fault] = []

    def add(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        seconds: float = 0.0,
        body: str = "",
        status: int = 200,
        content_type: str = "application/json",
    ) -> None:
        """Arm ``kind`` ("429", "500", "delay", "drop", "raw") for the next ``times`` ``method``
        calls; "raw" answers ``body`` verbatim with ``status`` and ``content_type``."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults.append(Fault(method, kind, times, retry_after, seconds, body, status, content_type))

    def clear(self) -> None:
        """Disarm every pending fault."""
        self._faults.clear()

    def pending(self, method: str | None = None) -> int:
        """How many fault firings remain (for one method, or all)."""
        return sum(f.times for f in self._faults if method is None or f.method == method)

    def take(self, method: str) -> Fault | None:
        """Consume and return the next fault for ``method`` (case-insensitive), if any."""
        for i, f in enumerate(self._faults):
            if f.method.lower() == method.lower():
                if f.times <= 1:
                    del self._faults[i]
                else:
                    self._faults[i] = replace(f, times=f.times - 1)
                self.fired.append(f)
                return f
        return None
