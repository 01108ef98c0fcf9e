"""`narrowcast serve`: the HTTP server, push to screens, rebuild on save and on schedule."""
