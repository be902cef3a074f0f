"""Bank statements: camt.053 and MT940 files read (camt.py, mt940.py) into one shape (parsed.py), their entries
matched to the active plan's scheduled transfers (matching.py), and imported whole or not at all (service.py)."""
