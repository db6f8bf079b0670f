"""The history across branches: what REF holds (--against), the head file, and rebasing."""
