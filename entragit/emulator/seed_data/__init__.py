"""Static data the seeds are built from (Microsoft first-party catalogs)."""
