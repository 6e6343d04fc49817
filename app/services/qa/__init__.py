"""Quality assurance use cases: scorecards, reviews and disputes, samples, calibration, figures."""
