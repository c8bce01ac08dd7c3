"""The admin HTTP API: routers per resource, roles from JWT claims, one error shape."""
