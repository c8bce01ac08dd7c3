"""Follow-up engine: re-engages quiet leads over WhatsApp within send policy."""
