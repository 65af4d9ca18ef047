"""The partner API over methodologies, scores, runs, audits (with their assets) and scenarios."""
