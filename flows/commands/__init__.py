"""Sub-commands of `guangying`; each module exposes `register(subparsers)`."""

from flows.commands import decide, demo, intake, judging, publish, screen

COMMANDS = [
    screen.register,
    demo.register,
    intake.register,
    decide.register,
    judging.register,
    publish.register,
]
