"""`guangying`, the command line: beside the flows (design brief), parsing arguments and printing.
What a command does is a function of tasks/; what it runs in order is a flow of flows/."""
