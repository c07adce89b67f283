"""What the exercise machine tells the sinks. Plain data, no behaviour."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepCounted:
    t: float
    count: int                 # total reps so far
    side: str | None = None    # "left"/"right" for sided exercises (bird-dog: the extended leg)

    def spoken(self, reps_by_side: dict | None) -> str:
        """How the rep is said: a sided rep with that side's own count, as the overlay shows it
        ("left 2" = the second left rep, not the second rep in all)."""
        if self.side and reps_by_side:
            return f"{self.side} {reps_by_side.get(self.side, self.count)}"
        return f"{self.side} {self.count}" if self.side else str(self.count)


@dataclass(frozen=True)
class HoldEnded:
    start_s: float
    end_s: float
    good_s: float              # seconds of the hold with good form (a broken hold pauses)
    target_s: float
    position: str = ""         # the held position's label (cat-cow holds both "cat" and "cow")

    @property
    def good_form(self) -> bool:
        return self.good_s >= min(self.target_s, self.end_s - self.start_s) - 1e-6


@dataclass(frozen=True)
class FormWarning:
    t: float
    code: str
    message: str
    severity: str = "warning"  # "info" | "warning" | "danger"


@dataclass(frozen=True)
class Guidance:
    """Set-up guidance shown instead of counting (turn sideways, move back, step into view)."""
    t: float
    code: str
    message: str


@dataclass(frozen=True)
class Transition:
    """The routine moved on (next exercise, rest, done): shown and spoken."""
    t: float
    message: str


@dataclass
class MachineState:
    """What the overlay shows each frame."""
    phase: str = "setup"
    reps: int = 0
    reps_by_side: dict[str, int] | None = None
    hold_s: float = 0.0          # good-form seconds of the hold in progress
    hold_target_s: float = 0.0
    holding: bool = False
    hold_done_cue: str = "down"  # what the voice says when the hold in progress is done
    warning: FormWarning | None = None
    guidance: Guidance | None = None
    extra: dict = field(default_factory=dict)
