"""helpdesk: a headless help-desk service."""
