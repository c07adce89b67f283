"""formcheck: counts reps, times holds and warns about unsafe spine positions from pose landmarks.

Data flows one way: sources -> pose -> features -> exercises -> sinks (see README "Architecture").
"""
__version__ = "0.1.0"
