"""Custom Lava Processes and ProcessModels of the hardware layer, alone in this package:
Lava's compiler imports every module of a Process's parent package to find ProcessModels, so
nothing else may live here, and importing it has no side effects beyond defining classes."""
