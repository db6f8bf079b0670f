"""What the cache (reading/collect.py) and the warm-run memo (replay.py) agree on. Nothing
here imports anything: replay.py runs before the rest of miglint is imported."""

# Timestamps this close to the index's (or the memo's) own are not trusted to show a
# change: a write in the same clock tick keeps them, and FAT counts in 2 s steps.
RACY_NS = 2_000_000_000
# The first line of the .gitignore that marks a cache directory as miglint's.
SIGNATURE = b"# Automatically created by miglint."
