"""Sub-commands of `guangying`; each module exposes `register(subparsers)`."""

from flows.commands import demo, screen

COMMANDS = [screen.register, demo.register]
