"""Injected failures for the fake Bot API server: 429, 500, delays and dropped connections."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = frozenset({"429", "500", "delay", "drop"})


@dataclass(frozen=True)
class Fault:
    """One armed failure for a method; ``times`` counts how often it still fires."""

    method: str
    kind: str
    times: int = 1
    retry_after: int = 1
    seconds: float = 0.0


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
    ) -> None:
        """Arm ``kind`` ("429", "500", "delay", "drop") for the next ``times`` ``method`` calls."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        self._faults.append(Fault(method, kind, times, retry_after, seconds))

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
                    self._faults[i] = Fault(f.method, f.kind, f.times - 1, f.retry_after, f.seconds)
                self.fired.append(f)
                return f
        return None
