"""Test, benchmark and demo material: clips rendered with ffmpeg, archives and pledge scans as
senders make them, the demo's sample works and experts. The product (`tasks/`) never imports it."""
