"""Services hold the workflow rules: who may do what to which object in which state."""
