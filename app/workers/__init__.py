"""Background loops: deadline timers and housekeeping."""
