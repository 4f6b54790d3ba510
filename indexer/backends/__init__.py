"""Search backends. See base.py for the contract; ``open_backend`` picks one from settings."""
