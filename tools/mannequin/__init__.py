"""The project's own mannequin: a kinematic skeleton (one source of truth for the rendered sample
videos, their ground truth, and the synthetic landmark streams of the tests)."""
