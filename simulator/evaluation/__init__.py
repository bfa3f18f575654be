"""Measuring the grader: agreement with human grades, the calibration fit, key-point verdicts, speed."""
