"""pytest plugin that runs the proof suite claims as tests (being built)."""
