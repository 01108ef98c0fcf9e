"""Four-eyes publishing: the rules of proposing and approving, and the change in words."""
