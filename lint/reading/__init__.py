"""Reading a repository: its environments, its version files' facts, and the cache that keeps them."""
