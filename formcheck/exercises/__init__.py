"""Exercise machines: declarative specs (specs/*.toml) run by one shared engine."""
from formcheck.exercises.spec import EXERCISES, Spec, load_spec
from formcheck.exercises.engine import ExerciseMachine

__all__ = ["EXERCISES", "Spec", "load_spec", "ExerciseMachine"]
