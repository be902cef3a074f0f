"""The domain core: pure functions and values, no framework or database imports."""
