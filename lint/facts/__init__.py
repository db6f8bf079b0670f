"""What a revision's Python code does, read without running it: its op.* calls, its entry functions' bodies, its imports, its database reads, and the guards around them."""
