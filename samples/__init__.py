"""Test, benchmark and demo material: clips rendered with ffmpeg, archives, pledge scans and whole
submission packages as senders make them, the demo's sample works and experts, a local Prefect
cluster. The product (`tasks/`) never imports it; the tests and the benches share it (bench/ never
imports tests/)."""
