"""Publication of the approved works (issue 13): renditions, posters, WebVTT, AI-label notices,
per-platform manifests and a static showcase page. Pure rules and thin I/O; Prefect lives in flows/."""
