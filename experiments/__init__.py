"""Paper experiments: one module per experiment, each run as python -m experiments.<name>."""
