"""Pure policy: no I/O, no database, no clock (`now` is a parameter)."""
