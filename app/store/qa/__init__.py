"""Quality assurance's SQL, a module per concept: scorecards, what a review reads of its
ticket, reviews and who reads them, disputes, samples, calibration sessions and the figures."""
