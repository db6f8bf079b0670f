"""The editor's side: `miglint server` (LSP over stdio) and the in-memory linting of open buffers behind it."""
