"""The contest at a glance: counts by state and verdict, failures by rule, runs' durations (pure), the
Chinese markdown summary and the self-contained HTML report with inline SVG charts."""
