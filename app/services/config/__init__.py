"""SLA configuration: business calendars, SLA policies, the priority matrix, and recomputing."""
