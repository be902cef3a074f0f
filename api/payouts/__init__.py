"""Payouts via the counsellor: payout runs (pain.001), the organisation's account statements, a case's payouts."""
