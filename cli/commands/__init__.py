"""Sub-commands of `guangying`; each module exposes `register(subparsers)`."""

from cli.commands import decide, demo, intake, judging, operator, outbox, publish, report, screen

COMMANDS = [
    screen.register,
    demo.register,
    intake.register,
    decide.register,
    operator.register,
    judging.register,
    publish.register,
    report.register,
    outbox.register,
]
