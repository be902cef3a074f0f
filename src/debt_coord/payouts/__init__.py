"""Payouts via the counselling organisation: payout runs (pain.001) and the organisation's own statements."""
